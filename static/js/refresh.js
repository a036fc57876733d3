// Pages that refresh themselves (htmx polling, mash/polling.py), done so that a person never notices a refresh
// except for what changed:
// - a note saying the page refreshes itself is shown only when this script runs (without JavaScript nothing
//   refreshes, and the page says so);
// - keyboard focus stays where it was: htmx puts it back on the element with the same id after a swap; if that
//   element has gone (the row left the queue), focus goes to the refreshed region, never to the page's body;
// - "time left" words keep counting down between refreshes (a refresh that finds nothing new swaps nothing).
import { initAll as initGovukFrontend } from "../vendor/govuk-frontend.min.js";

function showRefreshNotes(root) {
  root.querySelectorAll("[data-refresh-note]").forEach((note) => { note.hidden = false; });
}

// Words as mash/templatetags/mash_tags.py's time_left writes them.
function span(ms) {
  const minutes = Math.floor(Math.abs(ms) / 60000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const parts = [];
  if (days) parts.push(`${days} day${days !== 1 ? "s" : ""}`);
  if (hours) parts.push(`${hours} hour${hours !== 1 ? "s" : ""}`);
  if (mins && !days) parts.push(`${mins} minute${mins !== 1 ? "s" : ""}`);
  return parts.join(" ") || "less than a minute";
}

function tick() {
  const now = Date.now();
  document.querySelectorAll("[data-due]").forEach((el) => {
    const due = Date.parse(el.dataset.due);
    if (Number.isNaN(due)) return;
    const left = due - now;
    const text = left <= 0 ? `Overdue by ${span(left)}` : `${span(left)} left`;
    if (el.textContent !== text) el.textContent = text;
    el.classList.toggle("app-clock--overdue", left <= 0);
  });
}

let focusBefore = null;
let swapped = "";

document.body.addEventListener("htmx:beforeSwap", (event) => {
  const active = document.activeElement;
  const target = event.detail.target;
  swapped = target ? target.id : "";
  focusBefore = active && active !== document.body && target && target.contains(active)
    ? { id: active.id, region: target.id } : null;
});

document.body.addEventListener("htmx:afterSettle", (event) => {
  const region = event.detail.target && event.detail.target.isConnected
    ? event.detail.target : document.getElementById(swapped);
  if (region) {
    showRefreshNotes(region);
    initGovukFrontend({ scope: region });
  }
  tick();
  if (!focusBefore) return;
  const lost = !document.activeElement || document.activeElement === document.body;
  if (lost) {
    const again = focusBefore.id ? document.getElementById(focusBefore.id) : null;
    const fallback = document.getElementById(focusBefore.region);
    const target = again || fallback;
    if (target) {
      if (target === fallback && !target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
      target.focus({ preventScroll: true });
    }
  }
  focusBefore = null;
});

showRefreshNotes(document);
tick();
window.setInterval(tick, 30000);
