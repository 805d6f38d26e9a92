import { ConfigError, loadConfig } from '../../../shared/config';

/** The settings the Bicep gives the app on Azure, and the ones a local run gives it. */
describe('loadConfig storage', () => {
  it('takes a connection string locally', () => {
    expect(loadConfig({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' }).storage).toEqual({ prefix: '', connectionString: 'UseDevelopmentStorage=true' });
  });

  it('takes the identity-based settings the Function App has on Azure (no key anywhere)', () => {
    expect(loadConfig({ AzureWebJobsStorage__accountName: 'stmwprod01', AzureWebJobsStorage__credential: 'managedidentity' }).storage).toEqual({
      prefix: '',
      tableUrl: 'https://stmwprod01.table.core.windows.net',
      blobUrl: 'https://stmwprod01.blob.core.windows.net',
    });
    const sovereign = loadConfig({ AzureWebJobsStorage__accountName: 'stmwprod01', AzureWebJobsStorage__tableServiceUri: 'https://stmwprod01.table.core.usgovcloudapi.net', AzureWebJobsStorage__clientId: '0d8c1c2e-0000-4000-8000-000000000001' }).storage;
    expect(sovereign).toMatchObject({ tableUrl: 'https://stmwprod01.table.core.usgovcloudapi.net', clientId: '0d8c1c2e-0000-4000-8000-000000000001' });
  });

  it('names the settings when neither is there, and a bad account name', () => {
    expect(() => loadConfig({})).toThrow(new ConfigError(['AzureWebJobsStorage: set a connection string (UseDevelopmentStorage=true locally) or AzureWebJobsStorage__accountName (managed identity on Azure)']));
    expect(() => loadConfig({ AzureWebJobsStorage__accountName: 'St_Bad' })).toThrow(/AzureWebJobsStorage__accountName: a storage account name: 3-24 lower-case letters and digits/);
  });

  it('keeps secrets out of its own error messages', () => {
    try {
      loadConfig({ AzureWebJobsStorage: 'UseDevelopmentStorage=true', MW_SLACK_API_URL: 'not a url', MW_SLACK_SIGNING_SECRET: 's3cr3t-signing-value' });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as Error).message).toMatch(/MW_SLACK_API_URL/);
      expect((e as Error).message).not.toContain('s3cr3t-signing-value');
    }
  });
});
