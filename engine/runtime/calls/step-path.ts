/**
 * Step ids inside called journeys (#20): the session shows a child's step as
 * `<callStepId>/<childStepId>`, while the step itself (and what it hands out, such as an email
 * link) knows only its own id.
 */

/** Whether the session's current (shown) step is the step `stepId`, at whatever call depth. */
export function isAtStep(shownStepId: string | null, stepId: string): boolean {
  return shownStepId !== null && (shownStepId === stepId || shownStepId.endsWith(`/${stepId}`));
}
