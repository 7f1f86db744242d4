// Bundled in place of the `open` package (tsconfig.json "paths" points ncc here). @azure/identity
// loads `open` only for InteractiveBrowserCredential; the action signs in with
// ClientAssertionCredential alone, so the browser launcher, its dependencies and its xdg-open script
// stay out of dist/.
export default function open(): never {
  throw new Error('This bundle has no browser launcher: interactive browser sign-in is not supported.');
}
