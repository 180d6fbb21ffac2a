// Refuses a question longer than the server accepts before it is sent: the text stays in the box, and the notice
// under it says how long it is and what the limit is. (The server refuses it too; this keeps the text.)
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
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    if (notice) {
      notice.textContent =
        `The message is ${length.toLocaleString("en")} characters long; the limit is ` +
        `${limit.toLocaleString("en")}. Shorten it and send it again.`;
      notice.hidden = false;
    }
    box.focus();
  },
  true,
);
