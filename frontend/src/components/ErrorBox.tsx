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
  // a field's error that the message already says is not repeated under it
  const extra = (fields ?? []).filter((f) => {
    const said = f.includes(": ") ? f.slice(f.indexOf(": ") + 2) : f;
    return !message.includes(said);
  });
  return (
    <div className="error-box" role="alert" data-testid={testId}>
      {message}
      {extra.length > 0 && (
        <ul>
          {extra.map((f) => (
            <li key={f}>{f}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
