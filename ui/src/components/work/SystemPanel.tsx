import type { System } from "../../api/types";
import { modelRows, queueRows, systemFacts } from "../../lib/system";
import { CountTable } from "./CountTable";

/** The ML service's state, device and gate; its models; the queues' depths. */
export function SystemPanel({ system }: { system: System }) {
  return (
    <section aria-labelledby="system-title">
      <h2 id="system-title">System</h2>
      <ul className="facts">
        {systemFacts(system).map((fact) => (
          <li key={fact}>{fact}</li>
        ))}
      </ul>
      <div className="count-tables">
        <CountTable
          caption="Models"
          head={["Model", "State", "Producer", "Version", "Why not ready"]}
          rows={modelRows(system)}
        />
        <CountTable caption="Queues" head={["Queue", "Jobs", "Ready now"]} rows={queueRows(system)} />
      </div>
    </section>
  );
}
