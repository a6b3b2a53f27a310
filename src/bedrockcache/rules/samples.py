"""Values the catalogue's examples share: long enough to clear every model's minimum, real ids."""

# ~9,000 characters of policy text: at least 1,800 tokens even by the low estimate.
LONG = "You are a support agent for Example Corp. Follow the policy below exactly. " * 120
SONNET_45 = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
APP_PROFILE_ARN = (
    "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123def456"
)
CACHE_POINT = {"cachePoint": {"type": "default"}}
