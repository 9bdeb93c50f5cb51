import fp from 'fastify-plugin';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ModelEntry, Settings } from '@homeagent/contract';
import { DEFAULT_CATALOGUE, completeModel, storedModel, type CatalogueModel } from '../../model-catalogue.js';
import { queryAll } from '../external/dynamodb.js';
import { SAFETY_SK, SafetyRepository, type SafetyItem } from './safety-repository.js';

/** Settings as the agent uses them: every catalogue entry complete. */
export interface FullSettings extends Settings {
  models: CatalogueModel[];
}
export type { CatalogueModel, Settings };
/** @deprecated the catalogue entry carries the prices */
export type ModelPrice = CatalogueModel;

const settingsKey = { pk: 'SETTINGS', sk: 'GLOBAL' };
const accessKey = { pk: 'SETTINGS', sk: 'BEDROCK_ACCESS' };

/** The last time Bedrock refused the installation access to a model: what an admin should check. */
export interface AccessProblem {
  at: string;
  modelId: string;
  errorName: string;
  detail: string;
}

export class SettingsRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly defaults: Settings,
  ) {}

  /**
   * Stored settings over the defaults from the configuration. Items stored
   * before the catalogue had only an id and two prices per model: each entry
   * is completed on read, so they keep working unchanged.
   */
  async get(): Promise<FullSettings> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: settingsKey, ConsistentRead: true }));
    return this.fromItem(out.Item);
  }

  /**
   * The settings and the guardrails together, in one request: both are items
   * of the installation's `SETTINGS` key (with the last access problem,
   * small). Every reply needs both; two reads were two of the ≈ 18 requests a
   * reply costs (docs/PERFORMANCE.md). Read afresh each time, as `get` is:
   * a guardrail an admin has just set applies to the next message.
   */
  async getWithSafety(): Promise<{ settings: FullSettings; safety: SafetyItem }> {
    const items = await queryAll(this.doc, { TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': settingsKey.pk }, ConsistentRead: true });
    return { settings: this.fromItem(items.find((i) => i.sk === settingsKey.sk)), safety: SafetyRepository.fromItem(items.find((i) => i.sk === SAFETY_SK)) };
  }

  private fromItem(stored: Record<string, unknown> | undefined): FullSettings {
    const item = (stored ?? {}) as Partial<Settings>;
    return {
      defaultModel: item.defaultModel ?? this.defaults.defaultModel,
      systemPrompt: item.systemPrompt ?? this.defaults.systemPrompt,
      models: (item.models ?? this.defaults.models).map((m: ModelEntry) => storedModel(completeModel(m))),
    };
  }

  async put(settings: Settings): Promise<void> {
    // Only the known fields are stored, whatever else the caller sent along.
    const models = settings.models.map((m) => storedModel(completeModel(m)));
    // The sharing choice lives in the same item but has its own form: a models change keeps it.
    const publicShareLinks = await this.publicShareLinks();
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...settingsKey, defaultModel: settings.defaultModel, systemPrompt: settings.systemPrompt, models, publicShareLinks },
      }),
    );
  }

  /** Keeps the newest access refusal (one item: a refusal repeats per message, the newest says enough). */
  async recordAccessProblem(problem: Omit<AccessProblem, 'at'>): Promise<void> {
    const item: AccessProblem = { ...problem, detail: problem.detail.slice(0, 500), at: new Date().toISOString() };
    await this.doc.send(new PutCommand({ TableName: this.table, Item: { ...accessKey, ...item } }));
  }

  async accessProblem(): Promise<AccessProblem | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: accessKey, ConsistentRead: true }));
    if (!out.Item) return undefined;
    const { at, modelId, errorName, detail } = out.Item as AccessProblem;
    return { at, modelId, errorName, detail };
  }

  /** Whether anyone with a share link can open it (false, the default: only people signed in here). */
  async publicShareLinks(): Promise<boolean> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: settingsKey, ConsistentRead: true, ProjectionExpression: 'publicShareLinks' }));
    return out.Item?.publicShareLinks === true;
  }

  async setPublicShareLinks(value: boolean): Promise<void> {
    await this.doc.send(new UpdateCommand({ TableName: this.table, Key: settingsKey, UpdateExpression: 'SET publicShareLinks = :v', ExpressionAttributeValues: { ':v': value } }));
  }

  static modelOf(settings: FullSettings, modelId: string): CatalogueModel | undefined {
    return settings.models.find((m) => m.modelId === modelId);
  }

  /** @deprecated use modelOf: the entry carries the prices */
  static priceOf(settings: FullSettings, modelId: string): CatalogueModel | undefined {
    return SettingsRepository.modelOf(settings, modelId);
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    settings: SettingsRepository;
  }
}

export default fp(
  async (app) => {
    const { bedrockModelId, systemPrompt } = app.config;
    // The configured default model is always usable, even one the catalogue lists disabled.
    const catalogue: ModelEntry[] = DEFAULT_CATALOGUE.map((m) => (m.modelId === bedrockModelId ? { ...m, enabled: true } : m));
    const models = catalogue.some((m) => m.modelId === bedrockModelId)
      ? catalogue
      : // A configured model without a known price still belongs on the allowlist; it costs 0 until priced.
        [...catalogue, { modelId: bedrockModelId, inputUsdPerMTok: 0, outputUsdPerMTok: 0 }];
    app.decorate('settings', new SettingsRepository(app.dynamo, app.config.tableName, { defaultModel: bedrockModelId, systemPrompt, models }));
  },
  { name: 'settings-repository', dependencies: ['dynamodb'] },
);
