// Warn before the idle timeout signs the person out (GOV.UK "warn users before a session times out").
// The page says how many seconds its session has left (includes/session_timeout.html, counted from this
// page's own request); a background refresh does not extend it. A few minutes before the end a modal dialog
// counts down, with "Stay signed in" (posts to the keep-alive address) and "Sign out". At the end, drafts are
// saved and the person is signed out and told why. Tabs share the latest expiry through localStorage.
import { saveDrafts } from "./drafts.js";

const root = document.getElementById("app-session");
const dialog = document.getElementById("app-timeout-dialog");
const STORAGE_KEY = "mash:session-expires-at";
const SIGN_OUT_EARLY_MS = 5000; // sign out (saving drafts) just before the server forgets the session

if (root && dialog && typeof dialog.showModal === "function") {
  const warnMs = Number(root.dataset.warnSeconds) * 1000;
  let expiresAt = Date.now() + Number(root.dataset.expiresIn) * 1000;
  let returnFocusTo = null;
  let lastAnnounced = null;
  let signingOut = false;
  const countdown = dialog.querySelector("[data-timeout-countdown]");
  const countdownText = dialog.querySelector("[data-timeout-countdown-text]");
  const announce = dialog.querySelector("[data-timeout-announce]");

  const share = () => {
    try {
      const stored = Number(localStorage.getItem(STORAGE_KEY) || 0);
      if (stored > expiresAt) expiresAt = stored;
      else localStorage.setItem(STORAGE_KEY, String(expiresAt));
    } catch {
      // Storage may be off: each tab then counts on its own.
    }
  };
  const extendTo = (seconds) => {
    expiresAt = Date.now() + seconds * 1000;
    try {
      localStorage.setItem(STORAGE_KEY, String(expiresAt));
    } catch {
      /* see share() */
    }
  };
  share();
  window.addEventListener("storage", (event) => {
    if (event.key === STORAGE_KEY && Number(event.newValue) > expiresAt) expiresAt = Number(event.newValue);
  });
  document.addEventListener("mash:session-extended", (event) => extendTo(event.detail.expiresIn));

  const words = (ms) => {
    const seconds = Math.max(0, Math.ceil(ms / 1000));
    const minutes = Math.floor(seconds / 60);
    const rest = seconds % 60;
    const parts = [];
    if (minutes) parts.push(`${minutes} minute${minutes === 1 ? "" : "s"}`);
    if (rest || !minutes) parts.push(`${rest} second${rest === 1 ? "" : "s"}`);
    return parts.join(" ");
  };
  // What a screen reader hears: whole minutes, then every 15 seconds in the last minute (not every second).
  const spoken = (ms) => {
    const seconds = Math.max(0, Math.ceil(ms / 1000));
    if (seconds > 60) return `${Math.ceil(seconds / 60)} minutes`;
    return words(Math.ceil(seconds / 15) * 15 * 1000);
  };

  const open = () => {
    returnFocusTo = document.activeElement;
    lastAnnounced = null;
    dialog.showModal();
    dialog.querySelector("[data-timeout-stay]").focus();
  };
  const close = () => {
    if (!dialog.open) return;
    dialog.close();
    if (returnFocusTo && typeof returnFocusTo.focus === "function") returnFocusTo.focus();
  };

  const signOut = async (timedOut) => {
    if (signingOut) return;
    signingOut = true;
    await Promise.race([saveDrafts(), new Promise((resolve) => setTimeout(resolve, 4000))]);
    const form = document.getElementById("app-sign-out-form");
    if (!form) {
      window.location.assign(root.dataset.signInUrl);
      return;
    }
    if (timedOut) {
      const next = document.createElement("input");
      next.type = "hidden";
      next.name = "next";
      next.value = root.dataset.signInUrl;
      form.append(next);
    }
    form.submit();
  };

  const stay = async () => {
    close();
    try {
      const token = document.querySelector("#app-sign-out-form [name=csrfmiddlewaretoken]");
      const response = await fetch(root.dataset.keepAliveUrl, {
        method: "POST",
        headers: { Accept: "application/json", "X-CSRFToken": token ? token.value : "" },
        credentials: "same-origin",
        redirect: "error",
      });
      if (!response.ok) throw new Error(String(response.status));
      extendTo((await response.json()).expires_in);
    } catch {
      window.location.assign(root.dataset.signInUrl);
    }
  };

  dialog.querySelector("[data-timeout-stay]").addEventListener("click", stay);
  dialog.querySelector("[data-timeout-sign-out]").addEventListener("click", () => signOut(false));
  dialog.addEventListener("cancel", (event) => {
    // Escape means "not now": the same as staying signed in.
    event.preventDefault();
    stay();
  });

  const tick = () => {
    share();
    const left = expiresAt - Date.now();
    if (left <= SIGN_OUT_EARLY_MS) {
      signOut(true);
      return;
    }
    if (left <= warnMs) {
      if (!dialog.open) open();
      countdown.textContent = words(left);
      const said = spoken(left);
      if (said !== lastAnnounced) {
        countdownText.textContent = said;
        if (lastAnnounced !== null) announce.textContent = `You will be signed out in ${said}.`;
        lastAnnounced = said;
      }
    } else {
      close();
    }
  };
  setInterval(tick, 1000);
  tick();
}
