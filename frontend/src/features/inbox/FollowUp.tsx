import { useState } from "react";

import { api, ApiRequestError, errorMessage, unwrap, type WorkItem } from "../../api/client";
import { Time } from "../../components/Time";
import { fromLocalInput, morningIn, toLocalInput } from "../../lib/time";
import { isLater } from "./model";

/** The item's follow-up date (ADR 0084): when its assignee wants to see it again. Until then
 * the inbox files it under "later". Its assignee (or staff) sets and clears it; anyone else
 * reads it. The change comes back through the inbox's socket like any other. */
export function FollowUp({
  item,
  editable,
  now,
}: {
  item: WorkItem;
  editable: boolean;
  /** the page's clock (it ticks), for "filed under later" */
  now: number;
}) {
  // a date field and a time field (each can be typed into; one datetime-local field cannot be
  // in every browser), empty for none
  const [value, setValue] = useState(() => splitLocal(item.follow_up));
  const [shownFor, setShownFor] = useState(item.follow_up);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // the date changed (here or elsewhere): show it (adjusted while rendering)
  if (shownFor !== item.follow_up) {
    setShownFor(item.follow_up);
    setValue(splitLocal(item.follow_up));
  }

  async function save(followUp: string | null) {
    setBusy(true);
    setError(null);
    try {
      await unwrap(
        api.POST("/api/work-items/{item_id}/follow-up/", {
          params: { path: { item_id: item.id } },
          body: { follow_up: followUp },
        }),
      );
    } catch (err) {
      const field = err instanceof ApiRequestError ? err.body?.errors?.[0]?.message : undefined;
      setError(field ? `Follow-up date: ${field}` : errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  if (!editable) {
    return item.follow_up ? (
      <p className="muted" data-testid="follow-up-note">
        Follow up <Time iso={item.follow_up} relative now={now} />
      </p>
    ) : null;
  }

  const later = isLater(item, now);
  return (
    <form
      className="follow-up-form"
      data-testid="follow-up-form"
      aria-label="Follow-up date"
      onSubmit={(e) => {
        e.preventDefault();
        const iso = fromLocalInput(`${value.date}T${value.time || "08:00"}`);
        if (!iso) setError("Follow-up date: enter a whole date (the time is 8:00 if left out).");
        else void save(iso);
      }}
    >
      <label htmlFor="follow-up-input">Follow up on</label>
      <input
        id="follow-up-input"
        type="date"
        value={value.date}
        onChange={(e) => setValue({ ...value, date: e.target.value })}
        aria-describedby="follow-up-help"
        disabled={busy}
      />
      <label htmlFor="follow-up-time">at</label>
      <input
        id="follow-up-time"
        type="time"
        value={value.time}
        onChange={(e) => setValue({ ...value, time: e.target.value })}
        disabled={busy}
      />
      <button type="submit" disabled={busy}>
        Set follow-up
      </button>
      <button type="button" disabled={busy} onClick={() => void save(morningIn(1, now))}>
        Tomorrow morning
      </button>
      <button type="button" disabled={busy} onClick={() => void save(morningIn(7, now))}>
        In a week
      </button>
      {item.follow_up && (
        <button type="button" disabled={busy} onClick={() => void save(null)}>
          Clear follow-up
        </button>
      )}
      <p id="follow-up-help" className="muted" data-testid="follow-up-status">
        {item.follow_up ? (
          <>
            {later ? "Filed under later until " : "Follow-up date reached: "}
            <Time iso={item.follow_up} />.
          </>
        ) : (
          "No follow-up date: the item stays in your list."
        )}
      </p>
      {error && (
        <p role="alert" data-testid="follow-up-error">
          {error}
        </p>
      )}
    </form>
  );
}

/** The moment as the date and time fields' values, local time ("" for none). */
function splitLocal(iso: string | null | undefined): { date: string; time: string } {
  const [date = "", time = ""] = toLocalInput(iso).split("T");
  return { date, time };
}
