import type { z } from 'zod';
import { AppError } from '../errors/app-error.js';

/** Validates input at the edge, once; the first problem becomes a 400 that names the field. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.join('.');
  throw new AppError('VALIDATION_FAILED', 400, field ? `${field}: ${issue.message}` : issue.message, { details: { field } });
}
