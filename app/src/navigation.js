// Page changes with JavaScript on. Every page renders fully on the server and works without JavaScript;
// this script only spares the reload: a same-origin link or form is fetched and the new page's body
// replaces the current one and is marked live. What it cannot do the way the browser
// would (another origin, a target, a download, a form marked `data-native`, a page with its own security
// policy) it leaves to the browser. A post is never sent twice: when one fails, the form says so.
(() => {
  // Only the latest navigation may replace the page.
  let latest = 0;
  // The address shown, without its fragment: going back to the same page at another anchor loads nothing.
  let shown = pageOf(location.href);
  // Forms whose post is on its way: a second Enter or click must not send it again.
  const sending = new WeakSet();
  history.scrollRestoration = 'manual';

  function pageOf(href) {
    const url = new URL(href, location.href);
    url.hash = '';
    return url.href;
  }

  function linkTarget(event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return null;
    }
    const link = event.target instanceof Element ? event.target.closest('a[href]') : null;
    if (!link || link.target || link.hasAttribute('download')) {
      return null;
    }
    const url = new URL(link.href);
    if (url.origin !== location.origin) {
      return null;
    }
    // An anchor on this page (the skip link) scrolls as usual.
    if (url.hash && pageOf(url.href) === shown) {
      return null;
    }
    return url;
  }

  function formRequest(event) {
    const form = event.target;
    const submitter = event.submitter;
    if (event.defaultPrevented || !(form instanceof HTMLFormElement) || form.hasAttribute('data-native')) {
      return null;
    }
    // A submit button's own formaction, formmethod, formenctype and formtarget win over the form's.
    const pick = (attribute, button, own) => (submitter && submitter.hasAttribute(attribute) ? button : own);
    if (pick('formtarget', submitter?.formTarget, form.target)) {
      return null;
    }
    const url = new URL(pick('formaction', submitter?.formAction, form.action));
    const method = pick('formmethod', submitter?.formMethod, form.method).toUpperCase();
    if (url.origin !== location.origin || (method !== 'GET' && method !== 'POST')) {
      return null;
    }
    const data = new FormData(form, submitter);
    if (method === 'GET') {
      url.search = new URLSearchParams(data).toString();
      return { url, init: { method }, form, submitter };
    }
    const enctype = pick('formenctype', submitter?.formEnctype, form.enctype);
    const body = enctype === 'multipart/form-data' ? data : new URLSearchParams(data);
    return { url, init: { method, body }, form, submitter };
  }

  function busy(button, on) {
    if (!button) {
      return;
    }
    button.disabled = on;
    button.classList.toggle('pending', on);
    if (on) {
      button.setAttribute('aria-busy', 'true');
    } else {
      button.removeAttribute('aria-busy');
    }
  }

  // A page with a security policy of its own (the consent page lets its form lead to the client's site)
  // must be loaded by the browser for the policy to apply.
  function ownPolicy(response) {
    const policy = response.headers.get('content-security-policy');
    if (policy === null) {
      return false;
    }
    const formAction = policy
      .split(';')
      .map((directive) => directive.trim().split(/\s+/))
      .find(([name]) => name === 'form-action');
    return formAction !== undefined && formAction.slice(1).join(' ') !== "'self'";
  }

  // What a control is called, to find it again in the page that replaces this one.
  function controlKey(control) {
    return control && { id: control.id, name: control.getAttribute('name'), value: control.getAttribute('value') };
  }

  function findControl(key) {
    if (!key) {
      return null;
    }
    if (key.id) {
      return document.getElementById(key.id);
    }
    return [...document.body.querySelectorAll('button, input[type="submit"]')].find(
      (control) => key.name && control.getAttribute('name') === key.name && control.getAttribute('value') === key.value,
    );
  }

  // `request.history`: "push" for a new entry, "keep" when the address is already right (back and forward).
  async function navigate(request) {
    const id = ++latest;
    const { url, init, form, submitter } = request;
    const post = init.method === 'POST';
    if (form) {
      busy(submitter, true);
      if (post) {
        sending.add(form);
      }
    }
    const done = () => {
      busy(submitter, false);
      if (form) {
        sending.delete(form);
      }
    };
    let response;
    let html;
    let text = '';
    try {
      response = await fetch(url, { ...init, headers: { Accept: 'text/html' }, credentials: 'same-origin' });
      html = (response.headers.get('content-type') || '').startsWith('text/html');
      if (html || post) {
        text = await response.text();
      }
    } catch {
      done();
      if (post) {
        refused(form, 'The form could not be sent: the server did not answer. Check your connection and try again.');
      } else if (id === latest) {
        location.assign(url);
      }
      return;
    }
    done();
    if (id !== latest) {
      return;
    }
    if (!html && post && !response.redirected) {
      refused(form, `The form was not accepted (${response.status}): ${text.trim() || response.statusText}`);
      return;
    }
    if (!html || ownPolicy(response)) {
      // Only ever a GET: what a post led to, or a link's target, loaded by the browser itself.
      location.assign(response.url);
      return;
    }
    // A post answered without a redirect has no address of its own to show; a link's fragment stays.
    let address = post && !response.redirected ? null : new URL(response.url);
    if (address && !response.redirected && url.hash) {
      address.hash = url.hash;
    }
    // A GET form that comes back to its own page (add a row, copy names) keeps the place and the focus.
    const samePage = form && !post && address && pageOf(address.href).split('?')[0] === shown.split('?')[0];
    show(text, address, request.history, {
      scroll: request.scroll ?? (samePage ? window.scrollY : null),
      control: samePage ? controlKey(submitter) : null,
    });
  }

  function refused(form, message) {
    if (!form || !form.isConnected) {
      return;
    }
    let alert = form.querySelector(':scope > .navigation-error');
    if (!alert) {
      alert = document.createElement('div');
      alert.className = 'alert error navigation-error';
      alert.setAttribute('role', 'alert');
      form.prepend(alert);
    }
    alert.textContent = message;
  }

  function show(html, address, mode, { scroll, control }) {
    const next = new DOMParser().parseFromString(html, 'text/html');
    if (mode === 'push') {
      window.history.replaceState({ scroll: window.scrollY }, '');
    }
    document.title = next.title;
    document.body.replaceWith(document.adoptNode(next.body));
    if (address && mode === 'push') {
      window.history.pushState(null, '', address);
    } else if (address && pageOf(address.href) !== pageOf(location.href)) {
      window.history.replaceState(window.history.state, '', address);
    }
    shown = pageOf(location.href);
    const anchor = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (typeof scroll === 'number') {
      window.scrollTo(0, scroll);
    } else if (anchor) {
      anchor.scrollIntoView();
    } else {
      window.scrollTo(0, 0);
    }
    markLive();
    moveFocus(findControl(control), typeof scroll === 'number' || anchor);
  }

  // Where a full page load would leave a screen reader user's attention, or closer: the field to fix
  // first, else the control just used (when the page came back to itself), else the page's message,
  // else its heading.
  function moveFocus(control, keepScroll) {
    const invalid = document.body.querySelector('[aria-invalid="true"]');
    if (invalid) {
      invalid.focus();
      return;
    }
    if (control) {
      control.focus({ preventScroll: true });
      return;
    }
    const target = document.body.querySelector('main [role="alert"], main [role="status"], h1');
    if (target) {
      if (!target.hasAttribute('tabindex')) {
        target.setAttribute('tabindex', '-1');
      }
      target.focus({ preventScroll: Boolean(keepScroll) || target.tagName === 'H1' });
    }
  }

  // Once the bundle runs, a swapped-in body is live at once: the pages hold no islands to hydrate (Leptos
  // never releases an island it hydrated, and each would keep its page alive after the swap). Until the
  // bundle has started, it marks whatever body is shown then.
  function markLive() {
    if (document.documentElement.hasAttribute('data-islands')) {
      document.body.setAttribute('data-hydrated', 'true');
    }
  }

  document.addEventListener('click', (event) => {
    const url = linkTarget(event);
    if (url) {
      event.preventDefault();
      navigate({ url, init: { method: 'GET' }, history: 'push' });
    }
  });

  document.addEventListener('submit', (event) => {
    const request = formRequest(event);
    if (!request) {
      return;
    }
    event.preventDefault();
    if (!sending.has(request.form)) {
      navigate({ ...request, history: 'push' });
    }
  });

  window.addEventListener('popstate', (event) => {
    if (pageOf(location.href) !== shown) {
      const scroll = event.state && typeof event.state.scroll === 'number' ? event.state.scroll : null;
      navigate({ url: new URL(location.href), init: { method: 'GET' }, history: 'keep', scroll });
    }
  });

  // A page the browser restores from its cache after leaving it must not keep a button disabled.
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) {
      for (const button of document.querySelectorAll('[aria-busy="true"]')) {
        busy(button, false);
      }
    }
  });
})();
