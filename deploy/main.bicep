// exo-audit infrastructure, as a thin Bicep wrapper around the generated ARM template.
//
// The tested, deployable artifact is the ARM JSON `dist/infra/azuredeploy.json` written by `npm run build`
// (no Bicep compiler is available in this project's offline CI; see docs/deployment.md). Bicep can use an
// ARM JSON template as a module, so this file adds no resources of its own: run `npm run build` first,
// then `az deployment group create --template-file deploy/main.bicep --parameters workspaceName=<ws>`.

@description('Existing Log Analytics workspace (Microsoft Sentinel) in this resource group.')
param workspaceName string

@description('Region of the workspace; the DCR must be in the workspace region.')
param location string = resourceGroup().location

@description('Where the connector runs: functions, containerAppsJob, or none (ingestion resources only).')
@allowed([
  'functions'
  'containerAppsJob'
  'none'
])
param hosting string = 'functions'

@description('Tenant(s) to collect: a tenant id or domain, or a comma-separated list.')
param tenants string = subscription().tenantId

@description('Application (client) id of the Entra app that holds ActivityFeed.Read.')
param o365ClientId string = ''

@description('Table plan of the custom tables (analytics rules need Analytics).')
@allowed([
  'Analytics'
  'Basic'
])
param plan string = 'Analytics'

@description('Interactive retention in days (-1 = workspace default).')
param retentionInDays int = 90

@description('Total retention in days including long-term retention (-1 = default).')
param totalRetentionInDays int = 365

@description('Deploy a data collection endpoint (private link only).')
param deployDataCollectionEndpoint bool = false

@description('Container image of the connector (containerAppsJob hosting).')
param containerImage string = 'ghcr.io/exo-audit/exo-audit:latest'

@description('Cron schedule (5 fields, UTC) of the Container Apps job.')
param jobCronExpression string = '*/5 * * * *'

@description('NCRONTAB schedule (6 fields, UTC) of the function app.')
param functionSchedule string = '0 */5 * * * *'

module connector '../dist/infra/azuredeploy.json' = {
  name: 'exo-audit-infra'
  params: {
    workspaceName: workspaceName
    location: location
    hosting: hosting
    tenants: tenants
    o365ClientId: o365ClientId
    plan: plan
    retentionInDays: retentionInDays
    totalRetentionInDays: totalRetentionInDays
    deployDataCollectionEndpoint: deployDataCollectionEndpoint
    containerImage: containerImage
    jobCronExpression: jobCronExpression
    functionSchedule: functionSchedule
  }
}

output dataCollectionRuleImmutableId string = connector.outputs.dataCollectionRuleImmutableId
output logsIngestionEndpoint string = connector.outputs.logsIngestionEndpoint
output identityClientId string = connector.outputs.identityClientId
