/**
 * Creating an organisation with its owner and first key, and the first-start
 * bootstrap: on an empty database, create the default organisation and print its
 * owner key once. BOOTSTRAP_ADMIN_KEY fixes that key (CI, Docker). A marker
 * document makes the bootstrap run once even when several processes start together.
 */
import type { Clock } from '../shared/clock';
import type { ApiKeyService, CreatedApiKey } from './api-key-service';
import { createOrganizationInput, parseInput } from './inputs';
import type { AuthModels, OrganizationDoc, UserDoc } from './models';

export interface CreatedOrganization {
  organization: OrganizationDoc;
  owner: UserDoc;
  key: CreatedApiKey;
}

export interface BootstrapOptions {
  organizationName: string;
  ownerEmail: string;
  adminKey?: string;
}

export type BootstrapResult = { created: false } | ({ created: true } & CreatedOrganization);

export class OnboardingService {
  constructor(private readonly deps: { models: AuthModels; clock: Clock; apiKeys: ApiKeyService }) {}

  async createOrganization(input: unknown): Promise<CreatedOrganization> {
    const data = parseInput(createOrganizationInput, input);
    const { Organization, User } = this.deps.models;
    const organization = await Organization.create({ name: data.organizationName });
    const owner = await User.create({
      organizationId: organization._id,
      email: data.ownerEmail,
      name: data.ownerName,
      role: 'owner',
    });
    const key = await this.deps.apiKeys.issue({
      organizationId: organization._id.toHexString(),
      userId: owner._id.toHexString(),
      name: 'Owner key',
      secret: data.apiKey,
    });
    return { organization: organization.toObject(), owner: owner.toObject(), key };
  }

  async bootstrap(options: BootstrapOptions): Promise<BootstrapResult> {
    const { Organization, SystemState } = this.deps.models;
    if ((await Organization.estimatedDocumentCount()) > 0) return { created: false };
    try {
      await SystemState.create({ _id: 'bootstrap', at: this.deps.clock.now() });
    } catch (error) {
      if ((error as { code?: number }).code === 11000) return { created: false };
      throw error;
    }
    const created = await this.createOrganization({
      organizationName: options.organizationName,
      ownerEmail: options.ownerEmail,
      apiKey: options.adminKey,
    });
    return { created: true, ...created };
  }
}
