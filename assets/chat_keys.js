// Esc stops the answer being written (the same as the Stop button).
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || event.defaultPrevented) return;
  const stop = document.getElementById("stop-answer");
  if (stop) stop.click();
});
