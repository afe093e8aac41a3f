/**
 * GraphQL for tenancy and API keys: types, queries (me, organization, users,
 * projects, apiKeys), mutations (createProject, createUser, addProjectMember,
 * createApiKey, revokeApiKey) and the projectChanged subscription. Resolvers only
 * check scopes and call services.
 */
import { builder } from '../schema/builder';
import type { Context } from '../server/context';
import type { ApiKeyDoc, OrganizationDoc, ProjectDoc, ProjectMemberDoc, UserDoc } from './models';
import { orgRoles, projectRoles, type Caller } from './roles';
import type { PubSubChannels } from '../pubsub/channels';

/** Root fields run after scope checks, so the caller is always there. */
function caller(ctx: Context): Caller {
  if (!ctx.auth) throw new Error('scope check let an anonymous request through');
  return ctx.auth;
}

const OrgRoleEnum = builder.enumType('OrgRole', { values: orgRoles.map((r) => r.toUpperCase()) as never });
const ProjectRoleEnum = builder.enumType('ProjectRole', {
  values: projectRoles.map((r) => r.toUpperCase()) as never,
});
const toEnum = (role: string) => role.toUpperCase() as never;
const fromEnum = (role: unknown) => String(role).toLowerCase();

const Organization = builder.objectRef<OrganizationDoc>('Organization').implement({
  fields: (t) => ({
    id: t.id({ resolve: (o) => o._id.toHexString() }),
    name: t.exposeString('name'),
    createdAt: t.field({ type: 'DateTime', resolve: (o) => o.createdAt }),
  }),
});

const User = builder.objectRef<UserDoc>('User').implement({
  fields: (t) => ({
    id: t.id({ resolve: (u) => u._id.toHexString() }),
    email: t.exposeString('email'),
    name: t.exposeString('name'),
    role: t.field({ type: OrgRoleEnum, resolve: (u) => toEnum(u.role) }),
    disabled: t.boolean({ resolve: (u) => u.disabled ?? false }),
    createdAt: t.field({ type: 'DateTime', resolve: (u) => u.createdAt }),
  }),
});

const ProjectMember = builder.objectRef<ProjectMemberDoc>('ProjectMember').implement({
  fields: (t) => ({
    userId: t.id({ resolve: (m) => m.userId.toHexString() }),
    user: t.field({
      type: User,
      resolve: (m, _a, ctx) => ctx.services.tenancy.user(caller(ctx), m.userId.toHexString()),
    }),
    role: t.field({ type: ProjectRoleEnum, resolve: (m) => toEnum(m.role) }),
    createdAt: t.field({ type: 'DateTime', resolve: (m) => m.createdAt }),
  }),
});

const Project = builder.objectRef<ProjectDoc>('Project').implement({
  fields: (t) => ({
    id: t.id({ resolve: (p) => p._id.toHexString() }),
    name: t.exposeString('name'),
    description: t.string({ nullable: true, resolve: (p) => p.description ?? null }),
    createdAt: t.field({ type: 'DateTime', resolve: (p) => p.createdAt }),
    members: t.field({
      type: [ProjectMember],
      resolve: (p, _a, ctx) => ctx.services.tenancy.projectMembers(caller(ctx), p._id.toHexString()),
    }),
  }),
});

const ApiKey = builder.objectRef<ApiKeyDoc>('ApiKey').implement({
  description: 'An API key. The secret is shown only once, by createApiKey.',
  fields: (t) => ({
    id: t.id({ resolve: (k) => k._id.toHexString() }),
    name: t.exposeString('name'),
    prefix: t.exposeString('prefix', { description: 'The first characters of the key, to tell keys apart.' }),
    userId: t.id({ resolve: (k) => k.userId.toHexString() }),
    createdAt: t.field({ type: 'DateTime', resolve: (k) => k.createdAt }),
    lastUsedAt: t.field({ type: 'DateTime', nullable: true, resolve: (k) => k.lastUsedAt ?? null }),
    revokedAt: t.field({ type: 'DateTime', nullable: true, resolve: (k) => k.revokedAt ?? null }),
    revoked: t.boolean({ resolve: (k) => k.revokedAt != null }),
  }),
});

const CreatedApiKey = builder.objectRef<{ apiKey: ApiKeyDoc; secret: string }>('CreatedApiKey').implement({
  fields: (t) => ({
    apiKey: t.field({ type: ApiKey, resolve: (r) => r.apiKey }),
    secret: t.exposeString('secret', { description: 'The full key. Store it now: it is never shown again.' }),
  }),
});

const ProjectRoleGrant = builder
  .objectRef<{ projectId: string; role: string }>('ProjectRoleGrant')
  .implement({
    fields: (t) => ({
      projectId: t.exposeID('projectId'),
      role: t.field({ type: ProjectRoleEnum, resolve: (g) => toEnum(g.role) }),
    }),
  });

const Me = builder.objectRef<Caller>('Me').implement({
  fields: (t) => ({
    user: t.field({ type: User, resolve: (c, _a, ctx) => ctx.services.tenancy.user(c, c.userId) }),
    organization: t.field({
      type: Organization,
      resolve: (c, _a, ctx) => ctx.services.tenancy.organization(c),
    }),
    apiKeyId: t.exposeID('apiKeyId'),
    role: t.field({ type: OrgRoleEnum, resolve: (c) => toEnum(c.role) }),
    projectRoles: t.field({
      type: [ProjectRoleGrant],
      resolve: (c) => Object.entries(c.projectRoles).map(([projectId, role]) => ({ projectId, role })),
    }),
  }),
});

builder.queryFields((t) => ({
  me: t.field({
    type: Me,
    description: 'The caller: user, organisation, role and project roles.',
    resolve: (_r, _a, ctx) => caller(ctx),
  }),
  organization: t.field({
    type: Organization,
    resolve: (_r, _a, ctx) => ctx.services.tenancy.organization(caller(ctx)),
  }),
  users: t.field({
    type: [User],
    authScopes: { orgAdmin: true },
    resolve: (_r, _a, ctx) => ctx.services.tenancy.users(caller(ctx)),
  }),
  projects: t.field({
    type: [Project],
    description:
      'Projects you can read: all of them for organisation admins and viewers, your own otherwise.',
    resolve: (_r, _a, ctx) => ctx.services.tenancy.projects(caller(ctx)),
  }),
  apiKeys: t.field({
    type: [ApiKey],
    description: 'Every key of the organisation for admins; your own keys otherwise.',
    resolve: (_r, _a, ctx) => ctx.services.apiKeys.list(caller(ctx)),
  }),
}));

const CreateProjectInput = builder.inputType('CreateProjectInput', {
  fields: (t) => ({ name: t.string({ required: true }), description: t.string() }),
});
const CreateUserInput = builder.inputType('CreateUserInput', {
  fields: (t) => ({
    email: t.string({ required: true }),
    name: t.string({ required: true }),
    role: t.field({ type: OrgRoleEnum, required: true }),
  }),
});
const AddProjectMemberInput = builder.inputType('AddProjectMemberInput', {
  fields: (t) => ({
    projectId: t.id({ required: true }),
    userId: t.id({ required: true }),
    role: t.field({ type: ProjectRoleEnum, required: true }),
  }),
});
const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    userId: t.id({ description: 'Defaults to you. Organisation admins may create keys for other users.' }),
  }),
});

builder.mutationFields((t) => ({
  createProject: t.field({
    type: Project,
    authScopes: { orgAdmin: true },
    args: { input: t.arg({ type: CreateProjectInput, required: true }) },
    resolve: (_r, { input }, ctx) => ctx.services.tenancy.createProject(caller(ctx), input),
  }),
  createUser: t.field({
    type: User,
    authScopes: { orgAdmin: true },
    args: { input: t.arg({ type: CreateUserInput, required: true }) },
    resolve: (_r, { input }, ctx) =>
      ctx.services.tenancy.createUser(caller(ctx), { ...input, role: fromEnum(input.role) }),
  }),
  addProjectMember: t.field({
    type: ProjectMember,
    args: { input: t.arg({ type: AddProjectMemberInput, required: true }) },
    authScopes: (_r, { input }) => ({ projectAdmin: String(input.projectId) }),
    resolve: (_r, { input }, ctx) =>
      ctx.services.tenancy.addProjectMember(caller(ctx), {
        projectId: String(input.projectId),
        userId: String(input.userId),
        role: fromEnum(input.role),
      }),
  }),
  createApiKey: t.field({
    type: CreatedApiKey,
    args: { input: t.arg({ type: CreateApiKeyInput, required: true }) },
    resolve: (_r, { input }, ctx) =>
      ctx.services.apiKeys.create(caller(ctx), {
        name: input.name,
        userId: input.userId == null ? null : String(input.userId),
      }),
  }),
  revokeApiKey: t.field({
    type: ApiKey,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, { id }, ctx) => ctx.services.apiKeys.revoke(caller(ctx), String(id)),
  }),
}));

const ProjectChangeKind = builder.enumType('ProjectChangeKind', {
  values: ['PROJECT_CREATED', 'MEMBER_ADDED'] as const,
});
type ProjectChange = PubSubChannels['projectChanged'];
const ProjectChangeRef = builder.objectRef<ProjectChange>('ProjectChange').implement({
  fields: (t) => ({
    kind: t.field({ type: ProjectChangeKind, resolve: (c) => c.kind }),
    projectId: t.exposeID('projectId'),
    userId: t.id({ nullable: true, resolve: (c) => c.userId ?? null }),
    occurredAt: t.field({ type: 'DateTime', resolve: (c) => c.occurredAt }),
  }),
});

builder.subscriptionFields((t) => ({
  projectChanged: t.field({
    type: ProjectChangeRef,
    description: 'Projects created and members added in your organisation (only projects you can read).',
    subscribe: (_r, _a, ctx) => {
      const who = caller(ctx);
      return filterAsync(
        ctx.pubsub.subscribe('projectChanged', who.organizationId),
        (change) =>
          // Membership can change while subscribed: a new project is visible to admins and viewers.
          who.role === 'owner' ||
          who.role === 'admin' ||
          who.role === 'viewer' ||
          change.projectId in who.projectRoles ||
          change.userId === who.userId,
      );
    },
    resolve: (change) => change,
  }),
}));

async function* filterAsync<T>(source: AsyncIterable<T>, keep: (value: T) => boolean): AsyncGenerator<T> {
  for await (const value of source) if (keep(value)) yield value;
}
