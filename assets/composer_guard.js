// The composer's guard, so a question is never lost:
// - a question longer than the server accepts is refused before it is sent: the text stays in the box, and the
//   notice under it says how long it is and what the limit is (the server refuses it too; this keeps the text);
// - the box is emptied only by the server, once it has taken the question. Each send carries a fresh attempt id
//   that the server echoes back; when no echo comes within a few seconds (the server cannot reach what it needs),
//   the notice says so, the text stays, and the notice goes away when the server answers after all.
const NO_ANSWER_AFTER_MS = 6000;
const GIVE_UP_AFTER_MS = 120000;
const NO_ANSWER =
  "The server is not answering right now. Your question is still here: send it again in a moment.";

function watchForAnswer(form, notice) {
  const attempt = form.querySelector("input[name=attempt]");
  const echo = document.getElementById("question-ack");
  if (!attempt || !echo) return;
  const id = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  attempt.value = id;
  const started = Date.now();
  const timer = setInterval(() => {
    const waited = Date.now() - started;
    if (echo.value === id || attempt.value !== id || waited > GIVE_UP_AFTER_MS) {
      clearInterval(timer);
      if (echo.value === id && notice && notice.dataset.kind === "no-answer") notice.hidden = true;
      return;
    }
    if (waited >= NO_ANSWER_AFTER_MS && notice && notice.hidden) {
      notice.textContent = NO_ANSWER;
      notice.dataset.kind = "no-answer";
      notice.hidden = false;
    }
  }, 250);
}

document.addEventListener(
  "submit",
  (event) => {
    const box = event.target.querySelector?.("textarea[data-max-chars]");
    if (!box) return;
    const notice = event.target.querySelector(".d360-length-notice");
    const limit = Number(box.dataset.maxChars);
    const length = box.value.length;
    if (length <= limit) {
      if (notice) notice.hidden = true;
      watchForAnswer(event.target, notice);
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    if (notice) {
      notice.textContent =
        `The message is ${length.toLocaleString("en")} characters long; the limit is ` +
        `${limit.toLocaleString("en")}. Shorten it and send it again.`;
      notice.dataset.kind = "length";
      notice.hidden = false;
    }
    box.focus();
  },
  true,
);
