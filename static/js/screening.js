// The screening form: the rating suggested by the criteria ticked follows the ticks (contacts/guidance.py sends
// each criterion's level and usual rating in #criteria-map); the suggested level and rating are chosen for the
// screener until they choose their own; "Why your rating differs" shows only when it does. Without JavaScript
// the "Suggest a rating" button asks the server, and the reason field is always there. The service decides again
// on submit: this script only helps.

const form = document.querySelector("[data-testid=screening-form]");
const mapElement = document.getElementById("criteria-map");

if (form && mapElement) {
  const map = JSON.parse(mapElement.textContent);
  const panel = form.querySelector("[data-suggestion]");
  const differs = form.querySelector("[data-differs-reason]");
  const button = form.querySelector("[data-suggest-button]");
  const ratingInputs = Array.from(form.querySelectorAll("input[name=proposed_brag]"));
  const levelInputs = Array.from(form.querySelectorAll("input[name=level]"));
  let ratingChosen = ratingInputs.some((input) => input.checked);
  let levelChosen = levelInputs.some((input) => input.checked);
  const initialText = panel.textContent;

  if (button) button.hidden = true;

  const suggestion = () => {
    let best = null;
    for (const box of form.querySelectorAll("input[name=criteria]:checked")) {
      const criterion = map.criteria[box.value];
      if (criterion && (!best || criterion.level > best.level)) best = criterion;
    }
    return best;
  };

  const chosenRating = () => {
    const checked = ratingInputs.find((input) => input.checked);
    return checked ? checked.value : "";
  };

  const showDiffers = (suggested) => {
    if (!differs) return;
    const hasError = differs.querySelector(".govuk-form-group--error");
    const rating = chosenRating();
    differs.hidden = !hasError && !(suggested && suggested.rating && rating && rating !== suggested.rating);
  };

  const update = () => {
    const best = suggestion();
    if (!best) {
      panel.textContent = "Tick the criteria that match: the rating they suggest is shown here.";
    } else if (!best.rating) {
      panel.textContent = `The criteria ticked point to level ${best.level} (${best.level_name}), which has no usual rating: choose one.`;
    } else {
      panel.textContent = `The criteria ticked suggest ${map.ratings[best.rating]}: the usual rating for level ${best.level} (${best.level_name}).`;
    }
    if (best && !levelChosen) {
      const level = levelInputs.find((input) => input.value === best.level_id);
      if (level) level.checked = true;
    }
    if (best && best.rating && !ratingChosen) {
      const rating = ratingInputs.find((input) => input.value === best.rating);
      if (rating) rating.checked = true;
    }
    showDiffers(best);
  };

  form.addEventListener("change", (event) => {
    const name = event.target.name;
    if (name === "proposed_brag") ratingChosen = true;
    if (name === "level") levelChosen = true;
    if (name === "criteria" || name === "proposed_brag" || name === "level") update();
  });
  // On load: the panel keeps the server's words; the reason field shows only if needed.
  showDiffers(suggestion());
  if (!suggestion()) panel.textContent = initialText;
}
