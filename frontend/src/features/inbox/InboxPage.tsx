/** The operator's inbox. */
export function InboxPage() {
  return (
    <section>
      <h1>Inbox</h1>
    </section>
  );
}
