// Start GOV.UK Frontend's components (service navigation menu, error summary focus, password reveal...).
// A module file rather than an inline script, so the Content-Security-Policy needs no 'unsafe-inline'.
import { initAll } from "../govuk/govuk-frontend.min.js";

initAll();
