"""From a step document to a CloudFormation template: substitution, builder, naming, pre-flight."""
