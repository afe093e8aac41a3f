/**
 * zod schemas for every tenancy input; services parse with `parseInput`, which turns
 * problems into a ValidationError with one entry per field.
 */
import { z } from 'zod';
import { ValidationError } from '../shared/errors';
import { orgRoles, projectRoles } from './roles';

const name = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');
export const objectId = z.string().regex(/^[0-9a-f]{24}$/i, 'is not a valid id');

export const createOrganizationInput = z.object({
  organizationName: name,
  ownerEmail: z.string().trim().toLowerCase().email('must be an email address'),
  ownerName: name.default('Owner'),
  apiKey: z
    .string()
    .regex(/^[A-Za-z0-9_-]{32,128}$/, 'must be 32-128 URL-safe characters')
    .optional(),
});

export const createProjectInput = z.object({
  name,
  description: z.string().trim().max(1000, 'must be at most 1000 characters').nullish(),
});

export const createUserInput = z.object({
  email: z.string().trim().toLowerCase().email('must be an email address'),
  name,
  role: z.enum(orgRoles),
});

export const addProjectMemberInput = z.object({
  projectId: objectId,
  userId: objectId,
  role: z.enum(projectRoles),
});

export const createApiKeyInput = z.object({
  name,
  /** Defaults to the caller; only organisation admins may create keys for others. */
  userId: objectId.nullish(),
});

export function parseInput<T extends z.ZodTypeAny>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.map((i) => ({ field: i.path.join('.') || 'input', message: i.message })),
  );
}
