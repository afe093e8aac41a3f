/**
 * Organisations, users, projects and project membership. Every read is scoped to
 * the caller's organisation, so ids from another tenant behave as if they did not
 * exist (NOT_FOUND), never as FORBIDDEN, which would confirm they exist.
 */
import { AppError } from '../shared/errors';
import { addProjectMemberInput, createProjectInput, createUserInput, parseInput } from './inputs';
import type { OrganizationDoc, ProjectDoc, ProjectMemberDoc, TenancyWriterDeps, UserDoc } from './models';
import { canReadProject, isOrgAdmin, type Caller } from './roles';

export class TenancyService {
  constructor(private readonly deps: TenancyWriterDeps) {}

  async organization(caller: Caller): Promise<OrganizationDoc> {
    const org = await this.deps.models.Organization.findById(caller.organizationId).lean();
    if (!org) throw new AppError('NOT_FOUND', 'Your organisation no longer exists.');
    return org;
  }

  async user(caller: Caller, userId: string): Promise<UserDoc> {
    const user = await this.deps.models.User.findOne({
      _id: userId,
      organizationId: caller.organizationId,
    }).lean();
    if (!user) throw new AppError('NOT_FOUND', `No user ${userId} in your organisation.`);
    return user;
  }

  async users(caller: Caller): Promise<UserDoc[]> {
    return this.deps.models.User.find({ organizationId: caller.organizationId })
      .sort({ createdAt: 1, _id: 1 })
      .lean();
  }

  /** Projects the caller can read: all of them for admins and viewers, their own for members. */
  async projects(caller: Caller): Promise<ProjectDoc[]> {
    const filter: Record<string, unknown> = { organizationId: caller.organizationId };
    if (!isOrgAdmin(caller) && caller.role !== 'viewer')
      filter._id = { $in: Object.keys(caller.projectRoles) };
    return this.deps.models.Project.find(filter).sort({ createdAt: 1, _id: 1 }).lean();
  }

  async project(caller: Caller, projectId: string): Promise<ProjectDoc> {
    const project = await this.deps.models.Project.findOne({
      _id: projectId,
      organizationId: caller.organizationId,
    }).lean();
    if (!project || !canReadProject(caller, projectId))
      throw new AppError('NOT_FOUND', `No project ${projectId} in your organisation.`);
    return project;
  }

  async projectMembers(caller: Caller, projectId: string): Promise<ProjectMemberDoc[]> {
    return this.deps.models.ProjectMember.find({ projectId, organizationId: caller.organizationId })
      .sort({ createdAt: 1 })
      .lean();
  }

  async createProject(caller: Caller, input: unknown): Promise<ProjectDoc> {
    const data = parseInput(createProjectInput, input);
    const project = await this.insert(
      () =>
        this.deps.models.Project.create({
          organizationId: caller.organizationId,
          name: data.name,
          description: data.description ?? null,
        }),
      `A project named "${data.name}" already exists in your organisation.`,
    );
    await this.deps.pubsub.publish('projectChanged', caller.organizationId, {
      kind: 'PROJECT_CREATED',
      projectId: project._id.toHexString(),
      occurredAt: this.deps.clock.now(),
    });
    return project.toObject();
  }

  async createUser(caller: Caller, input: unknown): Promise<UserDoc> {
    const data = parseInput(createUserInput, input);
    if (data.role === 'owner' && caller.role !== 'owner') {
      throw new AppError('FORBIDDEN', 'Only an organisation owner can create another owner.');
    }
    const user = await this.insert(
      () => this.deps.models.User.create({ organizationId: caller.organizationId, ...data }),
      `A user with email ${data.email} already exists in your organisation.`,
    );
    return user.toObject();
  }

  async addProjectMember(caller: Caller, input: unknown): Promise<ProjectMemberDoc> {
    const data = parseInput(addProjectMemberInput, input);
    const { Project, User, ProjectMember } = this.deps.models;
    const [project, user] = await Promise.all([
      Project.exists({ _id: data.projectId, organizationId: caller.organizationId }),
      User.exists({ _id: data.userId, organizationId: caller.organizationId }),
    ]);
    if (!project) throw new AppError('NOT_FOUND', `No project ${data.projectId} in your organisation.`);
    if (!user) throw new AppError('NOT_FOUND', `No user ${data.userId} in your organisation.`);
    // Adding an existing member changes their role: the mutation is idempotent.
    const member = await ProjectMember.findOneAndUpdate(
      { projectId: data.projectId, userId: data.userId },
      { $set: { role: data.role }, $setOnInsert: { organizationId: caller.organizationId } },
      { upsert: true, new: true },
    ).lean();
    this.deps.accessChanged?.();
    await this.deps.pubsub.publish('projectChanged', caller.organizationId, {
      kind: 'MEMBER_ADDED',
      projectId: data.projectId,
      userId: data.userId,
      occurredAt: this.deps.clock.now(),
    });
    return member as ProjectMemberDoc;
  }

  private async insert<T>(create: () => Promise<T>, conflictMessage: string): Promise<T> {
    try {
      return await create();
    } catch (error) {
      if ((error as { code?: number }).code === 11000) throw new AppError('CONFLICT', conflictMessage);
      throw error;
    }
  }
}
