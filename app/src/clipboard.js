// Copy buttons (`CopyButton` in pages/devices/replenishment.rs). The style sheet hides them until this
// script, which runs before the body is drawn, finds a clipboard the page may write to. The one listener on
// the document serves every page the navigation script swaps in and holds none of their elements, so
// nothing outlives its page.
if (navigator.clipboard && navigator.clipboard.writeText) {
  document.documentElement.setAttribute('data-clipboard', '');
  document.addEventListener('click', async (event) => {
    const button = event.target instanceof Element ? event.target.closest('button[data-copy-from]') : null;
    if (!button) return;
    const source = document.getElementById(button.dataset.copyFrom);
    const status = document.getElementById(button.dataset.copyStatus);
    if (!source || !status) return;
    // Emptied first so that a second success is announced again.
    status.textContent = '';
    let copied = true;
    try {
      await navigator.clipboard.writeText(source.textContent);
    } catch {
      copied = false;
    }
    status.classList.toggle('failed', !copied);
    status.textContent = copied ? 'Copied.' : 'Copying failed: select the text and copy it.';
  });
}
