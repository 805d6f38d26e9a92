// Durable Task Scheduler: the managed durable backend (scheduler + task hub).
// https://learn.microsoft.com/azure/durable-task/scheduler/durable-task-scheduler
param name string
param taskHubName string
param location string
param tags object
@allowed(['Consumption', 'Dedicated'])
param skuName string = 'Consumption'

resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    // An empty list denies everything; access is still by Entra token and the Durable Task roles.
    ipAllowlist: ['0.0.0.0/0']
    sku: skuName == 'Dedicated' ? { name: 'Dedicated', capacity: 1 } : { name: 'Consumption' }
  }
}

resource taskHub 'Microsoft.DurableTask/schedulers/taskHubs@2025-11-01' = {
  parent: scheduler
  name: taskHubName
}

output schedulerName string = scheduler.name
output endpoint string = scheduler.properties.endpoint
output taskHubName string = taskHub.name
