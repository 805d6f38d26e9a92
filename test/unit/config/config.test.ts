import { assertSafeIdentityMode, ConfigError, loadConfig } from '../../../shared/config';

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
  it('takes the caller from App Service authentication unless told otherwise, and refuses the local header on Azure', () => {
    const local = { AzureWebJobsStorage: 'UseDevelopmentStorage=true' };
    expect(loadConfig(local).identity).toEqual({ mode: 'app-service', header: 'x-mw-user' });
    expect(loadConfig({ ...local, MW_IDENTITY_MODE: 'local-header' }).identity.mode).toBe('local-header');
    // WEBSITE_INSTANCE_ID is set by App Service on every instance, never by the local host.
    const azure = { ...local, WEBSITE_INSTANCE_ID: '8a1c3f' };
    expect(() => loadConfig({ ...azure, MW_IDENTITY_MODE: 'local-header' })).toThrow(/MW_IDENTITY_MODE: "local-header" lets any caller claim any identity/);
    expect(() => assertSafeIdentityMode({ ...azure, MW_IDENTITY_MODE: 'local-header' })).toThrow(ConfigError);
    expect(() => assertSafeIdentityMode(azure)).not.toThrow();
    expect(loadConfig(azure).identity.mode).toBe('app-service');
  });

  it('reads the platform engineers and their Entra app role', () => {
    const c = loadConfig({ AzureWebJobsStorage: 'UseDevelopmentStorage=true', MW_PLATFORM_ENGINEERS: ' a@x.com, 11111111-1111-1111-1111-111111111111 ,', MW_PLATFORM_ENGINEER_ROLE: 'MW.Engineer' });
    expect(c.platformEngineers).toEqual({ ids: ['a@x.com', '11111111-1111-1111-1111-111111111111'], appRole: 'MW.Engineer' });
  });
});
