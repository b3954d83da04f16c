// Start the NHS.UK design system's components: the error summary takes focus when a page with
// errors loads, the header's menu works on small screens, the skip link moves focus.
import { initAll } from "../nhsuk/nhsuk-frontend.min.js";

initAll();

// A page that shows work in progress (a pack being built) asks how it is going every two
// seconds, shows the answer to screen readers as it changes, and reloads itself when it is done.
const poll = document.querySelector("[data-cw-poll]");
if (poll) {
  const stage = poll.querySelector("[data-cw-stage]");
  const bar = poll.querySelector("progress");
  const ask = async () => {
    try {
      const answer = await fetch(poll.dataset.cwPoll, { headers: { Accept: "application/json" } });
      if (!answer.ok || answer.redirected) {
        // Signed out, or the meeting is gone: stop asking; the refresh link still works.
        return;
      }
      const state = await answer.json();
      if (state.status === "done" || state.status === "failed") {
        window.location.reload();
        return;
      }
      if (bar && state.total) {
        bar.max = state.total;
        bar.value = state.done;
      }
      const text = `${state.stage || "Waiting to be built"}${state.total ? `: ${state.done} of ${state.total}` : ""}.`;
      if (stage && stage.textContent !== text) {
        // Only a change is announced to screen readers.
        stage.textContent = text;
      }
    } catch {
      // The network dropped: try again at the next turn.
    }
    window.setTimeout(ask, 2000);
  };
  window.setTimeout(ask, 2000);
}
