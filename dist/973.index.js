export const id = 973;
export const ids = [973];
export const modules = {

/***/ 3973:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   "default": () => (/* binding */ open)
/* harmony export */ });
// Bundled in place of the `open` package (tsconfig.json "paths" points ncc here). @azure/identity
// loads `open` only for InteractiveBrowserCredential; the action signs in with
// ClientAssertionCredential alone, so the browser launcher, its dependencies and its xdg-open script
// stay out of dist/.
function open() {
    throw new Error('This bundle has no browser launcher: interactive browser sign-in is not supported.');
}


/***/ })

};
