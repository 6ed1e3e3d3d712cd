import Form from "@rjsf/core";
import type { RJSFSchema } from "@rjsf/utils";
import { withFieldTitles } from "../../lib/forms/ui";
import validator from "../../lib/forms/validator";
import { useEffect, useState } from "react";

import { api, ApiRequestError, errorMessage, type Schemas, unwrap } from "../../api/client";
import { asObject, toErrorTree, type ErrorTree } from "./model";

type Startable = Schemas["StartableDefinitionOutput"];

/** Start a case of a definition the user may start, with its `data_schema` as the form. */
export function StartCase({
  onStarted,
  onClose,
}: {
  onStarted: (text: string) => void;
  onClose: () => void;
}) {
  const [definitions, setDefinitions] = useState<Startable[] | null>(null);
  const [chosen, setChosen] = useState<string>("");
  const [formData, setFormData] = useState<unknown>({});
  const [errors, setErrors] = useState<ErrorTree | undefined>(undefined);
  const [message, setMessage] = useState<string | null>(null);
  const [businessKey, setBusinessKey] = useState("");

  useEffect(() => {
    unwrap(api.GET("/api/startable-definitions/")).then(
      (data) => {
        setDefinitions(data);
        if (data.length) setChosen(data[0].name);
      },
      () => setDefinitions([]),
    );
  }, []);

  if (definitions === null) return <p className="muted">Loading…</p>;
  if (!definitions.length) return <p className="muted">There is nothing you may start.</p>;
  const definition = definitions.find((d) => d.name === chosen) ?? definitions[0];
  const schema: RJSFSchema = withFieldTitles(
    definition.data_schema ?? { type: "object", properties: {} },
  );

  return (
    <section className="start-case" data-testid="start-case">
      <header>
        <h2>Start a case</h2>
        <button type="button" onClick={onClose} aria-label="Close">
          ×
        </button>
      </header>
      <label>
        Workflow{" "}
        <select
          value={definition.name}
          onChange={(e) => {
            setChosen(e.target.value);
            setFormData({});
            setErrors(undefined);
          }}
        >
          {definitions.map((d) => (
            <option key={d.name} value={d.name}>
              {d.title}
            </option>
          ))}
        </select>
      </label>
      {definition.description && <p className="muted">{definition.description}</p>}
      <label>
        Business key (optional){" "}
        <input
          name="business_key"
          maxLength={255}
          value={businessKey}
          onChange={(e) => setBusinessKey(e.target.value)}
        />
      </label>
      <Form
        schema={schema}
        formData={formData}
        validator={validator}
        noValidate
        noHtml5Validate
        showErrorList={false}
        extraErrors={errors}
        onChange={(e) => setFormData(e.formData)}
        onSubmit={async (e) => {
          let started;
          try {
            started = await unwrap(
              api.POST("/api/cases/", {
                body: {
                  definition: definition.name,
                  data: asObject(e.formData),
                  ...(businessKey.trim() ? { business_key: businessKey } : {}),
                },
              }),
            );
          } catch (err) {
            const fields = err instanceof ApiRequestError ? (err.body?.errors ?? []) : [];
            setErrors(fields.length ? toErrorTree(fields) : undefined);
            setMessage(errorMessage(err));
            return;
          }
          setErrors(undefined);
          setMessage(null);
          setFormData({});
          setBusinessKey("");
          onStarted(`Case #${started.id} of ${definition.title} started`);
        }}
      >
        {message && <p role="alert">{message}</p>}
        <button type="submit" className="primary">
          Start
        </button>
      </Form>
    </section>
  );
}
