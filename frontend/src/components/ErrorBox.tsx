import "./ErrorBox.css";

/** A server error, as the page shows it. */
export function ErrorBox({
  message,
  fields,
  testId = "error",
}: {
  message: string | null;
  fields?: string[];
  testId?: string;
}) {
  if (!message) return null;
  return (
    <div className="error-box" role="alert" data-testid={testId}>
      {message}
      {fields && fields.length > 0 && (
        <ul>
          {fields.map((f) => (
            <li key={f}>{f}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
