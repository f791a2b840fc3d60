// Passkey ceremonies of the hosted pages (a same-origin module: the CSP allows no inline script).
// Each element marked data-passkey holds the server's options (JSON) and names the form that posts
// the browser's answer back; the server checks everything. Without WebAuthn the elements stay hidden,
// a data-passkey-unsupported note shows, and an offer's data-passkey-skip form goes on by itself
// (marked "unsupported", so the offer comes back on a browser that can). The status element carries
// its failure text (data-failed) in the page's language, from the catalogs.
import { browserSupportsWebAuthn, browserSupportsWebAuthnAutofill, startAuthentication, startRegistration } from '/assets/simplewebauthn/index.js';

async function ceremony(element, autofill) {
  const options = JSON.parse(element.dataset.options);
  const form = document.getElementById(element.dataset.form);
  const status = element.querySelector('[data-passkey-status]');
  try {
    const answer = element.dataset.passkey === 'register'
      ? await startRegistration({ optionsJSON: options })
      : await startAuthentication({ optionsJSON: options, useBrowserAutofill: autofill });
    form.elements.response.value = JSON.stringify(answer);
    form.submit();
  } catch (error) {
    // An autofill request is cancelled whenever the button starts its own: not a failure to show.
    if (!autofill && status && error?.name !== 'AbortError') status.textContent = status.dataset.failed;
  }
}

if (browserSupportsWebAuthn()) {
  for (const element of document.querySelectorAll('[data-passkey]')) {
    element.hidden = false;
    element.querySelector('button')?.addEventListener('click', () => ceremony(element, false));
    if (element.dataset.autofill === 'on') {
      browserSupportsWebAuthnAutofill().then((supported) => {
        if (supported) ceremony(element, true);
      });
    }
  }
} else {
  for (const note of document.querySelectorAll('[data-passkey-unsupported]')) note.hidden = false;
  const skip = document.querySelector('form[data-passkey-skip]');
  if (skip) {
    skip.elements.reason.value = 'unsupported';
    skip.submit();
  }
}
