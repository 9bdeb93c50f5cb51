# deploy.sh: turns `aws ecs describe-task-definition --include TAGS` output
# into the --cli-input-json of the next revision. Only the images of the
# agent, app and mercure containers change ($agent, $app, $mercure); the
# fields AWS adds to a registered revision are dropped, because
# RegisterTaskDefinition refuses them; the tags are carried over.
(.tags // []) as $tags
| .taskDefinition
| if ([.containerDefinitions[].name] | contains(["agent", "app", "mercure"])) then .
  else error("\(.family):\(.revision) lacks a container named agent, app or mercure") end
| del(.taskDefinitionArn, .revision, .status, .requiresAttributes, .compatibilities,
      .registeredAt, .registeredBy, .deregisteredAt)
| .containerDefinitions |= map(.image = ({agent: $agent, app: $app, mercure: $mercure}[.name] // .image))
| if ($tags | length) > 0 then .tags = $tags else . end
