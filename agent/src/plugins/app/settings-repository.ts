import fp from 'fastify-plugin';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ModelPrice, Settings } from '@homeagent/contract';

export type { ModelPrice, Settings };

/**
 * Bedrock on-demand list prices (us-east-1, cross-region inference profiles),
 * used until an admin stores their own table.
 */
export const DEFAULT_MODEL_PRICES: ModelPrice[] = [
  { modelId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', inputUsdPerMTok: 3, outputUsdPerMTok: 15 },
  { modelId: 'us.anthropic.claude-haiku-4-5-20251001-v1:0', inputUsdPerMTok: 1, outputUsdPerMTok: 5 },
  { modelId: 'us.anthropic.claude-opus-4-1-20250805-v1:0', inputUsdPerMTok: 15, outputUsdPerMTok: 75 },
  { modelId: 'us.anthropic.claude-sonnet-4-20250514-v1:0', inputUsdPerMTok: 3, outputUsdPerMTok: 15 },
  { modelId: 'us.anthropic.claude-3-5-haiku-20241022-v1:0', inputUsdPerMTok: 0.8, outputUsdPerMTok: 4 },
];

const settingsKey = { pk: 'SETTINGS', sk: 'GLOBAL' };

export class SettingsRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly defaults: Settings,
  ) {}

  /** Stored settings over the defaults from the configuration. */
  async get(): Promise<Settings> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: settingsKey, ConsistentRead: true }));
    const item = (out.Item ?? {}) as Partial<Settings>;
    return {
      defaultModel: item.defaultModel ?? this.defaults.defaultModel,
      systemPrompt: item.systemPrompt ?? this.defaults.systemPrompt,
      models: item.models ?? this.defaults.models,
    };
  }

  async put(settings: Settings): Promise<void> {
    // Only the known fields are stored, whatever else the caller sent along.
    const models = settings.models.map(({ modelId, inputUsdPerMTok, outputUsdPerMTok }) => ({ modelId, inputUsdPerMTok, outputUsdPerMTok }));
    // The sharing choice lives in the same item but has its own form: a models change keeps it.
    const publicShareLinks = await this.publicShareLinks();
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...settingsKey, defaultModel: settings.defaultModel, systemPrompt: settings.systemPrompt, models, publicShareLinks },
      }),
    );
  }

  /** Whether anyone with a share link can open it (false, the default: only people signed in here). */
  async publicShareLinks(): Promise<boolean> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: settingsKey, ConsistentRead: true, ProjectionExpression: 'publicShareLinks' }));
    return out.Item?.publicShareLinks === true;
  }

  async setPublicShareLinks(value: boolean): Promise<void> {
    await this.doc.send(new UpdateCommand({ TableName: this.table, Key: settingsKey, UpdateExpression: 'SET publicShareLinks = :v', ExpressionAttributeValues: { ':v': value } }));
  }

  static priceOf(settings: Settings, modelId: string): ModelPrice | undefined {
    return settings.models.find((m) => m.modelId === modelId);
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
    const models = DEFAULT_MODEL_PRICES.some((m) => m.modelId === bedrockModelId)
      ? DEFAULT_MODEL_PRICES
      : // A configured model without a known price still belongs on the allowlist; it costs 0 until priced.
        [...DEFAULT_MODEL_PRICES, { modelId: bedrockModelId, inputUsdPerMTok: 0, outputUsdPerMTok: 0 }];
    app.decorate('settings', new SettingsRepository(app.dynamo, app.config.tableName, { defaultModel: bedrockModelId, systemPrompt, models }));
  },
  { name: 'settings-repository', dependencies: ['dynamodb'] },
);
