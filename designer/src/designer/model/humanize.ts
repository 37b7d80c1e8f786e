/** A config key as a label (`outputVariable` → `Output variable`): the config form's titles and the validation messages name fields alike. */
export function humanize(key: string): string {
  const spaced = key.replace(/[_-]+/g, ' ').replace(/([a-z0-9])([A-Z])/g, '$1 $2');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1).toLowerCase();
}
