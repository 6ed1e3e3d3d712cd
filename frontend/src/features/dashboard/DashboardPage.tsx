/** The operations dashboard (issue 6 builds it here). */
export function DashboardPage() {
  return (
    <section>
      <h1>Dashboard</h1>
      <p>Cases, incidents and throughput. Coming with the dashboard issue.</p>
    </section>
  );
}
