/** The `performance(filter)` input, validated at the boundary. */
import { z } from 'zod';
import { ValidationError } from '../shared/errors';
import { components } from './components';

export const performanceFilterSchema = z
  .object({
    /** Window ending now over which percentiles are computed. */
    windowMinutes: z.number().int().min(1).max(1440).default(5),
    components: z.array(z.enum(components)).max(components.length).optional(),
    /** Case-insensitive substring of the subject (operation, listener, job, tool...). */
    subjectContains: z.string().min(1).max(200).optional(),
    /** How many of the slowest series to return. */
    slowestLimit: z.number().int().min(1).max(100).default(10),
    /** Hours of persisted trend buckets to return (0 = none). */
    trendHours: z
      .number()
      .int()
      .min(0)
      .max(24 * 31)
      .default(0),
  })
  .strict();

export type PerformanceFilter = z.infer<typeof performanceFilterSchema>;

export function parsePerformanceFilter(raw: unknown): PerformanceFilter {
  const result = performanceFilterSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.map((i) => ({ field: `filter.${i.path.join('.')}`, message: i.message })),
  );
}
