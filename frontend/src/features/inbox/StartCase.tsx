import Form from "@rjsf/core";
import type { RJSFSchema } from "@rjsf/utils";
import validator from "@rjsf/validator-ajv8";
import { useEffect, useState } from "react";

import { api, errorMessage, type ApiError, type Schemas } from "../../api/client";
import { toErrorTree, type ErrorTree } from "./model";

type Startable = Schemas["StartableDefinitionOutput"];

/** Start a case of a definition the user may start, with its `data_schema` as the form. */
export function StartCase({ onStarted, onClose }: { onStarted: (text: string) => void; onClose: () => void }) {
  const [definitions, setDefinitions] = useState<Startable[] | null>(null);
  const [chosen, setChosen] = useState<string>("");
  const [formData, setFormData] = useState<unknown>({});
  const [errors, setErrors] = useState<ErrorTree | undefined>(undefined);
  const [message, setMessage] = useState<string | null>(null);

  useEffect(() => {
    void api.GET("/api/startable-definitions/").then(({ data }) => {
      setDefinitions(data ?? []);
      if (data?.length) setChosen(data[0].name);
    });
  }, []);

  if (definitions === null) return <p className="muted">Loading…</p>;
  if (!definitions.length) return <p className="muted">There is nothing you may start.</p>;
  const definition = definitions.find((d) => d.name === chosen) ?? definitions[0];

  return (
    <section className="start-case" data-testid="start-case">
      <header>
        <h2>Start a case</h2>
        <button type="button" onClick={onClose} aria-label="Close">×</button>
      </header>
      <label>
        Workflow{" "}
        <select value={definition.name} onChange={(e) => { setChosen(e.target.value); setFormData({}); setErrors(undefined); }}>
          {definitions.map((d) => (
            <option key={d.name} value={d.name}>{d.title}</option>
          ))}
        </select>
      </label>
      {definition.description && <p className="muted">{definition.description}</p>}
      <Form
        schema={(definition.data_schema ?? { type: "object", properties: {} }) as RJSFSchema}
        formData={formData}
        validator={validator}
        noValidate
        noHtml5Validate
        showErrorList={false}
        extraErrors={errors as never}
        onChange={(e) => setFormData(e.formData)}
        onSubmit={async (e) => {
          const { data, error } = await api.POST("/api/cases/", {
            body: { definition: definition.name, data: (e.formData ?? {}) as Record<string, never> },
          });
          if (error) {
            const err = error as ApiError;
            setErrors(err.errors?.length ? toErrorTree(err.errors) : undefined);
            setMessage(errorMessage(error));
            return;
          }
          setErrors(undefined);
          setMessage(null);
          setFormData({});
          onStarted(`Case #${(data as { id: number }).id} of ${definition.title} started`);
        }}
      >
        {message && <p role="alert">{message}</p>}
        <button type="submit" className="primary">Start</button>
      </Form>
    </section>
  );
}
