param name string
param location string
param tags object

// Vendor credentials (Cloudflare token, Slack token, DevOps PAT, Pingdom, Mailgun, Consul ACL)
// live here; the rotated application secrets live in the estate's own vaults.
resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    enablePurgeProtection: true
    softDeleteRetentionInDays: 30
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
