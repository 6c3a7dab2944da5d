import { htmlReport } from './html/page.js';
import type { RecipeResult } from './model.js';
import { json, junit, tap, type FileReporter } from './report.js';
import type { Redactor } from '../session/mask.js';

/** The whole report of a run in one of the formats a file can hold. */
export function render(reporter: FileReporter, results: RecipeResult[], red: Redactor): string {
  switch (reporter) {
    case 'junit': return junit(results, red);
    case 'tap': return tap(results);
    case 'json': return json(results);
    case 'html': return htmlReport(results, red);
  }
}
