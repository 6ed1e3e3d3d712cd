/** The workflow designer (issue 5 builds it here). */
export function DesignerPage() {
  return (
    <section>
      <h1>Designer</h1>
      <p>Draw, validate and publish workflow nets. Coming with the designer issue.</p>
    </section>
  );
}
