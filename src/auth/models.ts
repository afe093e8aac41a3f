/**
 * Mongoose models for tenancy: organisations, users, projects, project members and
 * API keys. Models are bound to the app's connection (not the global mongoose), so
 * several apps can run in one process (tests) without sharing state.
 */
import { Schema, type Connection, type InferSchemaType, type Model, Types } from 'mongoose';
import { orgRoles, projectRoles } from './roles';
import { bindModel } from '../db/model';
import type { AppPubSub } from '../pubsub/pubsub';
import type { Clock } from '../shared/clock';

const organizationSchema = new Schema(
  { name: { type: String, required: true } },
  { timestamps: { createdAt: true, updatedAt: false }, collection: 'organizations' },
);

const userSchema = new Schema(
  {
    organizationId: { type: Schema.Types.ObjectId, required: true, index: true },
    email: { type: String, required: true },
    name: { type: String, required: true },
    role: { type: String, enum: orgRoles, required: true },
    disabled: { type: Boolean, default: false },
  },
  { timestamps: { createdAt: true, updatedAt: false }, collection: 'users' },
);
userSchema.index({ organizationId: 1, email: 1 }, { unique: true });

const projectSchema = new Schema(
  {
    organizationId: { type: Schema.Types.ObjectId, required: true },
    name: { type: String, required: true },
    description: { type: String, default: null },
  },
  { timestamps: { createdAt: true, updatedAt: false }, collection: 'projects' },
);
projectSchema.index({ organizationId: 1, name: 1 }, { unique: true });

const projectMemberSchema = new Schema(
  {
    organizationId: { type: Schema.Types.ObjectId, required: true },
    projectId: { type: Schema.Types.ObjectId, required: true },
    userId: { type: Schema.Types.ObjectId, required: true, index: true },
    role: { type: String, enum: projectRoles, required: true },
  },
  { timestamps: { createdAt: true, updatedAt: false }, collection: 'project_members' },
);
projectMemberSchema.index({ projectId: 1, userId: 1 }, { unique: true });

const apiKeySchema = new Schema(
  {
    organizationId: { type: Schema.Types.ObjectId, required: true, index: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    name: { type: String, required: true },
    /** The first characters of the key, shown so people can tell keys apart. */
    prefix: { type: String, required: true },
    /** SHA-256 of the full key; the key itself is never stored. */
    hash: { type: String, required: true, unique: true },
    lastUsedAt: { type: Date, default: null },
    revokedAt: { type: Date, default: null },
  },
  { timestamps: { createdAt: true, updatedAt: false }, collection: 'api_keys' },
);

/** One document guards the first-start bootstrap so two processes cannot both run it. */
const systemStateSchema = new Schema(
  { _id: { type: String, required: true }, at: { type: Date, required: true } },
  { collection: 'system_state', versionKey: false },
);

export type OrganizationDoc = InferSchemaType<typeof organizationSchema> & {
  _id: Types.ObjectId;
  createdAt: Date;
};
export type UserDoc = InferSchemaType<typeof userSchema> & { _id: Types.ObjectId; createdAt: Date };
export type ProjectDoc = InferSchemaType<typeof projectSchema> & { _id: Types.ObjectId; createdAt: Date };
export type ProjectMemberDoc = InferSchemaType<typeof projectMemberSchema> & {
  _id: Types.ObjectId;
  createdAt: Date;
};
export type ApiKeyDoc = InferSchemaType<typeof apiKeySchema> & { _id: Types.ObjectId; createdAt: Date };

export interface AuthModels {
  Organization: Model<OrganizationDoc>;
  User: Model<UserDoc>;
  Project: Model<ProjectDoc>;
  ProjectMember: Model<ProjectMemberDoc>;
  ApiKey: Model<ApiKeyDoc>;
  SystemState: Model<{ _id: string; at: Date }>;
}

/** What the services that change tenancy data (keys, users, memberships) depend on. */
export interface TenancyWriterDeps {
  models: AuthModels;
  clock: Clock;
  pubsub: AppPubSub;
  /** Told when what a key may do changes (the auth cache forgets its callers). */
  accessChanged?: () => void;
}

export function authModels(connection: Connection): AuthModels {
  const model = <T>(name: string, schema: object) => bindModel<T>(connection, name, schema);
  return {
    Organization: model<OrganizationDoc>('Organization', organizationSchema),
    User: model<UserDoc>('User', userSchema),
    Project: model<ProjectDoc>('Project', projectSchema),
    ProjectMember: model<ProjectMemberDoc>('ProjectMember', projectMemberSchema),
    ApiKey: model<ApiKeyDoc>('ApiKey', apiKeySchema),
    SystemState: model<{ _id: string; at: Date }>('SystemState', systemStateSchema),
  };
}
