// Drafts of the long forms, saved on the server while the person types (contacts/drafts.py).
// A form that keeps a draft carries data-draft-url (where "Save draft" posts). Without JavaScript the
// "Save draft" button does the same; with it, what is typed is also saved every few seconds, and once more
// when the page is left or the idle timeout is about to sign the person out.

const AUTOSAVE_AFTER_MS = 10000; // quiet time after the last keystroke before saving
const forms = Array.from(document.querySelectorAll("form[data-draft-url]"));
const dirty = new Set();
const submitting = new Set();
const timers = new Map();

function statusOf(form) {
  return form.querySelector("[data-draft-status]");
}

function sessionExtended(expiresIn) {
  if (typeof expiresIn === "number") {
    document.dispatchEvent(new CustomEvent("mash:session-extended", { detail: { expiresIn } }));
  }
}

async function save(form) {
  if (!dirty.has(form) || submitting.has(form)) return;
  dirty.delete(form);
  try {
    const response = await fetch(form.dataset.draftUrl, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      redirect: "error",
    });
    const answer = await response.json();
    const status = statusOf(form);
    if (response.ok) {
      if (status) status.textContent = `Draft saved at ${answer.saved_at_text}.`;
      sessionExtended(answer.expires_in);
    } else {
      dirty.add(form);
      if (status) status.textContent = `Your draft could not be saved: ${answer.error}`;
    }
  } catch {
    // Signed out, offline or the server is away: keep it dirty; the "Save draft" button still works.
    dirty.add(form);
  }
}

export async function saveDrafts() {
  await Promise.all(forms.map((form) => save(form)));
}

for (const form of forms) {
  const changed = () => {
    dirty.add(form);
    clearTimeout(timers.get(form));
    timers.set(form, setTimeout(() => save(form), AUTOSAVE_AFTER_MS));
  };
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", () => {
    // The submit itself carries the answers (and a "Save draft" submit saves them): nothing left to autosave.
    submitting.add(form);
    clearTimeout(timers.get(form));
  });
}

// Leaving the page with unsaved typing: one last save that survives the page going away.
window.addEventListener("pagehide", () => {
  for (const form of forms) {
    if (dirty.has(form) && !submitting.has(form) && navigator.sendBeacon) {
      navigator.sendBeacon(form.dataset.draftUrl, new FormData(form));
      dirty.delete(form);
    }
  }
});
