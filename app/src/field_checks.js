// Field checks before a submit. A field marked `data-check` (the `check` of `Field` or `TextareaField` in
// components/forms.rs) asks the server for its rule once its value changes, POST /checks/<rule> with the
// value in the body (it may be a new password, which must not reach an address), and shows the answer
// where the submit's error would appear: the element `data-error-id` names, at the end of the field. The
// rules stay on the server, so a field's format is judged in the submit's words. A field marked
// `data-blank-allowed` (a new inventory row, which a save skips while it is empty; a customer-facing
// name, which a save clears) is not judged blank.
// Focus has moved on when `change` fires, so a refusal is also announced through a polite live region.
// The one listener on the document serves every page the navigation script swaps in and holds none of
// their elements.
{
  let pending;
  // `text` empty withdraws the last announcement, so no stale refusal stays readable.
  const announce = (text) => {
    clearTimeout(pending);
    let region = document.getElementById('field-check-status');
    if (!region && !text) return;
    if (!region) {
      region = document.createElement('p');
      region.id = 'field-check-status';
      region.className = 'visually-hidden';
      region.setAttribute('aria-live', 'polite');
      (document.querySelector('main') || document.body).append(region);
    }
    // Emptied first so that the same refusal twice is announced twice.
    region.textContent = '';
    if (text) {
      pending = setTimeout(() => {
        region.textContent = text;
      }, 50);
    }
  };

  const showFieldError = (input, message) => {
    const field = input.closest('.field');
    const errorId = input.dataset.errorId;
    let error = document.getElementById(errorId);
    const describedBy = (input.getAttribute('aria-describedby') || '')
      .split(/\s+/)
      .filter((id) => id && id !== errorId);
    if (message) {
      if (!error) {
        error = document.createElement('p');
        error.className = 'field-error';
        error.id = errorId;
        (field || input.parentElement).append(error);
      }
      error.textContent = message;
      describedBy.push(errorId);
      input.setAttribute('aria-invalid', 'true');
      const label = input.labels && input.labels[0] ? input.labels[0].textContent.trim() : '';
      announce(label ? `${label}: ${message}` : message);
    } else {
      if (error) error.remove();
      input.removeAttribute('aria-invalid');
      announce('');
    }
    if (describedBy.length > 0) {
      input.setAttribute('aria-describedby', describedBy.join(' '));
    } else {
      input.removeAttribute('aria-describedby');
    }
    if (field) field.classList.toggle('invalid', Boolean(message));
  };

  document.addEventListener('change', async (event) => {
    const input = event.target;
    const checkable = input instanceof HTMLInputElement || input instanceof HTMLTextAreaElement;
    if (!checkable || !input.dataset.check || !input.dataset.errorId) return;
    const value = input.value;
    if (value.trim() === '' && 'blankAllowed' in input.dataset) {
      showFieldError(input, null);
      return;
    }
    let answer;
    try {
      const response = await fetch(`/checks/${encodeURIComponent(input.dataset.check)}`, {
        method: 'POST',
        headers: { Accept: 'application/json' },
        body: new URLSearchParams({ value }),
      });
      answer = response.ok ? await response.json() : {};
    } catch {
      // Offline or cut off: the submit still checks everything.
      answer = {};
    }
    // A later change has its own answer coming; a page swapped out meanwhile needs none. No answer (refused,
    // too long, offline) withdraws the last refusal, which was about another value: the submit judges this one.
    if (!input.isConnected || input.value !== value) return;
    showFieldError(input, typeof answer.message === 'string' ? answer.message : null);
  });
}
