// Start the NHS.UK design system's components: the error summary takes focus when a page with
// errors loads, the header's menu works on small screens, the skip link moves focus.
import { initAll } from "../nhsuk/nhsuk-frontend.min.js";

initAll();
