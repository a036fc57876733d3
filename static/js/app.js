// MASH case management: front-end bootstrap.
// Loaded as an external ES module (<script type="module" src="{% static 'js/app.js' %}">),
// so it needs no inline script and works under a strict Content-Security-Policy.
// Relative imports resolve against this file's URL, so they work whatever STATIC_URL is.
import { initAll as initGovukFrontend } from "../vendor/govuk-frontend.min.js";
import { initAll as initMojFrontend } from "../vendor/moj-frontend.min.js";

// GOV.UK Frontend components only initialise when <body> has govuk-frontend-supported;
// js-enabled switches on the JS-only styles. A module script only runs in browsers that
// support ES modules, which is exactly GOV.UK Frontend's "supported" test.
document.body.classList.add("js-enabled", "govuk-frontend-supported");

initGovukFrontend();
initMojFrontend();

// Parts of the page that need script, each in its own file (all optional: every page works without them).
// Loaded one by one, so one that fails cannot stop the others.
for (const part of ["./drafts.js", "./timeout.js", "./screening.js", "./print.js", "./charts.js"]) {
  import(part).catch((error) => console.error(`${part}:`, error));
}
