package secret

import "regexp"

// b bounds a token on the left: start of text or a character that cannot
// be part of it.
const b = `(?:^|[^A-Za-z0-9_\-+/])`

// e bounds a token on the right.
const e = `(?:$|[^A-Za-z0-9_\-+/=])`

// assign matches a key followed by ":" or "=" (YAML, env, JSON, code) and
// an optionally quoted value.
const assign = `["']?\s*(?:[:=]|:=|=>)\s*["']?`

type ruleSpec struct {
	id, title, sev string
	keywords       []string
	re             string
	group          int
	entropy        float64
	paths          string
	allow          []string
	example, not   string
}

// Builtin returns Bulwark's built-in rule set. Specific token formats come
// first; the generic assignment rules last, so that where both match, the
// specific finding is the one kept.
func Builtin() []Rule {
	rules := make([]Rule, 0, len(specs))
	for _, s := range specs {
		r := Rule{
			ID: s.id, Title: s.title, Severity: s.sev, Keywords: s.keywords,
			Regex: regexp.MustCompile(s.re), SecretGroup: s.group, MinEntropy: s.entropy,
			Example: s.example, NotExample: s.not,
		}
		if s.paths != "" {
			r.Paths = regexp.MustCompile(s.paths)
		}
		for _, a := range s.allow {
			r.AllowValues = append(r.AllowValues, regexp.MustCompile(a))
		}
		rules = append(rules, r)
	}
	return rules
}

var specs = []ruleSpec{
	// Cloud providers.
	{id: "aws-access-key-id", title: "AWS access key ID", sev: Critical, keywords: []string{"AKIA", "ASIA", "ABIA", "ACCA"},
		re: b + `((?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})` + e, group: 1,
		allow:   []string{`EXAMPLE$`},
		example: "aws_access_key_id = AKIA4QWERTYZ2X7NMLKJ", not: "AKIAIOSFODNN7EXAMPLE"},
	{id: "aws-secret-access-key", title: "AWS secret access key", sev: Critical, keywords: []string{"aws_secret", "aws-secret", "secretaccesskey", "secret_access_key"},
		re: `(?i)(?:aws[_\-]?secret[_\-]?access[_\-]?key|secretaccesskey|secret_access_key)` + assign + `([A-Za-z0-9/+=]{40})` + e, group: 1, entropy: 4.0,
		example: "AWS_SECRET_ACCESS_KEY=Zq8x3Kd9+fTn2LmWp0RvYb7HsJc4Ae1GuQo6Ni5X", not: "AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY}"},
	{id: "aws-session-token", title: "AWS session token", sev: High, keywords: []string{"aws_session_token", "x-amz-security-token"},
		re: `(?i)(?:aws_session_token|x-amz-security-token)` + assign + `([A-Za-z0-9/+=]{100,})`, group: 1, entropy: 4.0,
		example: "aws_session_token = FwoGZXIvYXdzEBYaDHqa0AP1dT2Kx9lQjSKGAfP8bLm3N7Vr4Wq2Zy6Hs1Jd0Uc9Ek5Ti8Go3Fp7Qa2Wb6Xn4Mz1Lr9Ks0Yt5Vu8Ci3Dh6Ej2Fg7Hk1Im4Jl8Nn0Oo5Pp3Qq9Rr6Ss2Tt7Uu1",
		not:     "aws_session_token ="},
	{id: "gcp-service-account", title: "Google Cloud service account key", sev: Critical, keywords: []string{"service_account"},
		re: `(?s)"type"\s*:\s*"service_account"[\s\S]{0,1000}?"private_key"\s*:\s*"(-----BEGIN PRIVATE KEY-----[^"]{64,})"`, group: 1,
		example: `{"type": "service_account", "project_id": "p-1", "private_key_id": "a1b2", "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7q3Xk9Lm2Pz8Rw\n-----END PRIVATE KEY-----\n"}`,
		not:     `{"type": "service_account", "private_key": ""}`},
	{id: "gcp-api-key", title: "Google API key", sev: High, keywords: []string{"AIza"},
		re: b + `(AIza[0-9A-Za-z_\-]{35})` + e, group: 1,
		example: "GOOGLE_API_KEY=AIzaSyD3k9Lq2Xv8Rt5Wn1Mb7Pc4Hz0Jf6Ye2Ug", not: "AIzaSyShort"},
	{id: "azure-storage-connection-string", title: "Azure storage account key", sev: Critical, keywords: []string{"AccountKey="},
		re: `(?i)AccountName=[a-z0-9]{3,24};AccountKey=([A-Za-z0-9+/]{86}==)`, group: 1,
		example: "DefaultEndpointsProtocol=https;AccountName=prodstore42;AccountKey=Qx7Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge7Ki9Ol4Mn1Bq8Rv3Sx6Tw0Uy5Za2Cb7Dc4Ed9Fe1Gf6Hg3Ih8Jq==;EndpointSuffix=core.windows.net",
		not:     "DefaultEndpointsProtocol=https;AccountName=devstoreaccount1;AccountKey=;"},
	{id: "azure-ad-client-secret", title: "Azure AD client secret", sev: High, keywords: []string{"Q~"},
		re: b + `([A-Za-z0-9_~.\-]{3}\dQ~[A-Za-z0-9_~.\-]{31,34})` + e, group: 1, entropy: 3.5,
		example: "AZURE_CLIENT_SECRET=Xk48Q~Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge7", not: "version 1.2Q~beta"},
	{id: "alibaba-access-key-id", title: "Alibaba Cloud AccessKey ID", sev: High, keywords: []string{"LTAI"},
		re: b + `(LTAI[A-Za-z0-9]{20})` + e, group: 1, entropy: 3.5,
		example: "ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5tQx7Lm2Vn9Rb4Tk1Wz8", not: "LTAI"},
	{id: "digitalocean-token", title: "DigitalOcean token", sev: Critical, keywords: []string{"dop_v1_", "doo_v1_", "dor_v1_"},
		re: b + `(do[opr]_v1_[a-f0-9]{64})` + e, group: 1,
		example: "DIGITALOCEAN_TOKEN=dop_v1_9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0", not: "dop_v1_xyz"},
	{id: "heroku-api-key", title: "Heroku API key", sev: High, keywords: []string{"heroku"},
		re: `(?i)heroku[a-z_\-]{0,20}(?:key|token)` + assign + `([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})`, group: 1,
		example: "HEROKU_API_KEY=3f2a9c1e-7b4d-4e8f-a6c5-1d0b9e8f7a6c", not: "heroku_app=my-app"},
	{id: "cloudflare-origin-ca-key", title: "Cloudflare Origin CA key", sev: High, keywords: []string{"v1.0-"},
		re: b + `(v1\.0-[a-f0-9]{24}-[a-f0-9]{146})` + e, group: 1,
		example: "CF_ORIGIN_CA_KEY=v1.0-0123456789abcdef01234567-" + hex146, not: "v1.0-beta"},
	{id: "databricks-token", title: "Databricks personal access token", sev: High, keywords: []string{"dapi"},
		re: b + `(dapi[a-f0-9]{32}(?:-\d)?)` + e, group: 1,
		example: "DATABRICKS_TOKEN=dapi0f1e2d3c4b5a69788796a5b4c3d2e1f0", not: "dapi_version"},

	// Source control and CI.
	{id: "github-pat", title: "GitHub personal access token", sev: Critical, keywords: []string{"ghp_"},
		re: b + `(ghp_[A-Za-z0-9]{36})` + e, group: 1,
		example: "token: ghp_Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge", not: "ghp_tooshort"},
	{id: "github-fine-grained-pat", title: "GitHub fine-grained personal access token", sev: Critical, keywords: []string{"github_pat_"},
		re: b + `(github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})` + e, group: 1,
		example: "GH_TOKEN=github_pat_11ABCDEFG0a1b2c3d4e5f6_Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge7Ki9Ol4Mn1Bq8Rv3Sx6Tw0U",
		not:     "github_pat_"},
	{id: "github-oauth-token", title: "GitHub OAuth access token", sev: Critical, keywords: []string{"gho_"},
		re: b + `(gho_[A-Za-z0-9]{36})` + e, group: 1,
		example: "gho_Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge", not: "gho_"},
	{id: "github-app-token", title: "GitHub App token", sev: Critical, keywords: []string{"ghu_", "ghs_"},
		re: b + `((?:ghu|ghs)_[A-Za-z0-9]{36})` + e, group: 1,
		example: "ghs_Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge", not: "ghs_abc"},
	{id: "github-refresh-token", title: "GitHub refresh token", sev: High, keywords: []string{"ghr_"},
		re: b + `(ghr_[A-Za-z0-9]{36,76})` + e, group: 1,
		example: "ghr_Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge", not: "ghr_abc"},
	{id: "gitlab-pat", title: "GitLab personal access token", sev: Critical, keywords: []string{"glpat-"},
		re: b + `(glpat-[A-Za-z0-9_\-]{20,})` + e, group: 1,
		example: "GITLAB_TOKEN=glpat-Xk48Lm2Vn9Rb4Tk1Wz8P", not: "glpat-123"},
	{id: "gitlab-deploy-token", title: "GitLab deploy token", sev: High, keywords: []string{"gldt-"},
		re: b + `(gldt-[A-Za-z0-9_\-]{20,})` + e, group: 1,
		example: "gldt-Xk48Lm2Vn9Rb4Tk1Wz8P", not: "gldt-1"},
	{id: "gitlab-pipeline-trigger-token", title: "GitLab pipeline trigger token", sev: High, keywords: []string{"glptt-"},
		re: b + `(glptt-[0-9a-f]{40})` + e, group: 1,
		example: "glptt-0a1b2c3d4e5f60718293a4b5c6d7e8f901234567", not: "glptt-xyz"},
	{id: "gitlab-runner-token", title: "GitLab runner token", sev: High, keywords: []string{"glrt-", "GR1348941"},
		re: b + `((?:glrt-|GR1348941)[A-Za-z0-9_\-]{20})` + e, group: 1,
		example: "token = \"glrt-Xk48Lm2Vn9Rb4Tk1Wz8P\"", not: "glrt-"},
	{id: "bitbucket-app-password", title: "Bitbucket app password", sev: High, keywords: []string{"ATBB"},
		re: b + `(ATBB[A-Za-z0-9_=.\-]{32})` + e, group: 1, entropy: 3.5,
		example: "BITBUCKET_APP_PASSWORD=ATBBXk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5U", not: "ATBB"},
	{id: "git-credentials", title: "Git credentials file entry", sev: Critical, keywords: []string{"://"},
		re: `(?m)^https?://[^:\s/@]+:([^@\s]+)@[^\s]+$`, group: 1, paths: `(?:^|/)\.git-credentials$`,
		example: "https://deploy:Xk48Lm2Vn9Rb4Tk1Wz8P@github.com", not: "https://github.com/org/repo"},
	{id: "circleci-token", title: "CircleCI personal token", sev: High, keywords: []string{"circle"},
		re: `(?i)circle[a-z_\-]{0,20}token` + assign + `([0-9a-f]{40})` + e, group: 1,
		example: "CIRCLE_TOKEN=0a1b2c3d4e5f60718293a4b5c6d7e8f901234567", not: "CIRCLE_TOKEN=abc"},
	{id: "travis-ci-token", title: "Travis CI access token", sev: High, keywords: []string{"travis"},
		re: `(?i)travis[a-z_\-]{0,20}token` + assign + `([A-Za-z0-9]{22})` + e, group: 1, entropy: 3.5,
		example: "TRAVIS_TOKEN=Xk48Lm2Vn9Rb4Tk1Wz8Pc3", not: "TRAVIS_TOKEN=abc"},

	// Chat, SaaS and APIs.
	{id: "slack-token", title: "Slack token", sev: High, keywords: []string{"xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe"},
		re: b + `(xox(?:[abprs]|e(?:\.xox[bp])?)-[0-9A-Za-z\-]{10,250})` + e, group: 1, entropy: 3.0,
		example: "SLACK_BOT_TOKEN=xoxb-2718281828-3141592653589-Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd", not: "xoxb-"},
	{id: "slack-webhook", title: "Slack incoming webhook", sev: High, keywords: []string{"hooks.slack.com"},
		re: `(https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9+/]{43,56})`, group: 1,
		example: "https://hooks.slack.com/services/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", not: "https://hooks.slack.com/services/"},
	{id: "discord-webhook", title: "Discord webhook", sev: Medium, keywords: []string{"discord"},
		re: `(https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d+/[A-Za-z0-9_\-]{60,68})`, group: 1,
		example: "https://discord.com/api/webhooks/123456789012345678/Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge7Ki9Ol4Mn1Bq8Rv3Sx6Tw0Uy5Za2Cb7D",
		not:     "https://discord.com/api/webhooks/"},
	{id: "telegram-bot-token", title: "Telegram bot token", sev: Medium, keywords: []string{":AA"},
		re: b + `(\d{8,10}:AA[0-9A-Za-z_\-]{33})` + e, group: 1,
		example: "TELEGRAM_TOKEN=1234567890:AAXk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua", not: "12:AA"},
	{id: "microsoft-teams-webhook", title: "Microsoft Teams webhook", sev: Medium, keywords: []string{"webhook.office.com"},
		re: `(https://[a-z0-9]+\.webhook\.office\.com/webhookb2/[a-z0-9\-]+@[a-z0-9\-]+/IncomingWebhook/[a-z0-9]{32}/[a-z0-9\-]{36})`, group: 1,
		example: "https://contoso.webhook.office.com/webhookb2/3f2a9c1e-7b4d-4e8f-a6c5-1d0b9e8f7a6c@72f988bf-86f1-41af-91ab-2d7cd011db47/IncomingWebhook/0a1b2c3d4e5f60718293a4b5c6d7e8f9/3f2a9c1e-7b4d-4e8f-a6c5-1d0b9e8f7a6c",
		not:     "https://contoso.webhook.office.com/"},
	{id: "stripe-secret-key", title: "Stripe secret or restricted key", sev: Critical, keywords: []string{"sk_live_", "rk_live_", "sk_test_", "rk_test_"},
		re: b + `((?:sk|rk)_(?:live|test)_[0-9A-Za-z]{24,99})` + e, group: 1,
		example: "STRIPE_SECRET_KEY=sk_live_51Hx48Lm2Vn9Rb4Tk1Wz8Pc3Hd6", not: "sk_live_abc"},
	{id: "twilio-api-key", title: "Twilio API key", sev: High, keywords: []string{"twilio"},
		re: b + `(SK[0-9a-fA-F]{32})` + e, group: 1, entropy: 3.0,
		example: "TWILIO_API_KEY=SK0a1b2c3d4e5f60718293a4b5c6d7e8f9", not: "SKIPPED_TESTS_COUNT"},
	{id: "sendgrid-api-key", title: "SendGrid API key", sev: High, keywords: []string{"SG."},
		re: b + `(SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43})` + e, group: 1,
		example: "SENDGRID_API_KEY=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", not: "SG.abc.def"},
	{id: "mailgun-api-key", title: "Mailgun API key", sev: High, keywords: []string{"key-"},
		re: b + `(key-[0-9a-f]{32})` + e, group: 1,
		example: "MAILGUN_API_KEY=key-0a1b2c3d4e5f60718293a4b5c6d7e8f9", not: "key-value"},
	{id: "mailchimp-api-key", title: "Mailchimp API key", sev: High, keywords: []string{"-us"},
		re: b + `([0-9a-f]{32}-us[0-9]{1,2})` + e, group: 1,
		example: "MAILCHIMP_KEY=0a1b2c3d4e5f60718293a4b5c6d7e8f9-us14", not: "en-us1"},
	{id: "datadog-api-key", title: "Datadog API or application key", sev: High, keywords: []string{"datadog", "dd_api", "dd_app", "dd-api", "dd-app"},
		re: `(?i)(?:datadog|dd)[_\-]?(?:api|app(?:lication)?)[_\-]?key` + assign + `([a-f0-9]{32}|[a-f0-9]{40})` + e, group: 1,
		example: "DD_API_KEY=0a1b2c3d4e5f60718293a4b5c6d7e8f9", not: "DD_API_KEY=<your-key>"},
	{id: "new-relic-key", title: "New Relic key", sev: High, keywords: []string{"NRAK-", "NRJS-", "NRII-"},
		re: b + `(NRAK-[A-Z0-9]{27}|NRJS-[a-f0-9]{19}|NRII-[A-Za-z0-9\-]{32})` + e, group: 1,
		example: "NEW_RELIC_API_KEY=NRAK-XK48LM2VN9RB4TK1WZ8PC3HD6JF", not: "NRAK-1"},
	{id: "sentry-token", title: "Sentry auth token", sev: High, keywords: []string{"sntrys_", "sntryu_"},
		re: b + `(sntry[su]_[A-Za-z0-9+/=_]{40,})` + e, group: 1,
		example: "SENTRY_AUTH_TOKEN=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", not: "sntryu_"},
	{id: "grafana-token", title: "Grafana token", sev: High, keywords: []string{"glc_", "glsa_"},
		re: b + `(glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})` + e, group: 1,
		example: "GRAFANA_TOKEN=glsa_Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5U_0a1b2c3d", not: "glsa_x"},
	{id: "postman-api-key", title: "Postman API key", sev: High, keywords: []string{"PMAK-"},
		re: b + `(PMAK-[a-f0-9]{24}-[a-f0-9]{34})` + e, group: 1,
		example: "PMAK-0a1b2c3d4e5f60718293a4b5-c6d7e8f90a1b2c3d4e5f60718293a4b5c6", not: "PMAK-1"},
	{id: "shopify-token", title: "Shopify access token or secret", sev: High, keywords: []string{"shpat_", "shpss_", "shpca_", "shppa_"},
		re: b + `(shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32})` + e, group: 1,
		example: "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", not: "shpat_"},
	{id: "square-token", title: "Square access token or secret", sev: High, keywords: []string{"sq0atp-", "sq0csp-", "EAAA"},
		re: b + `(sq0atp-[0-9A-Za-z_\-]{22}|sq0csp-[0-9A-Za-z_\-]{43}|EAAA[A-Za-z0-9_\-]{60})` + e, group: 1,
		example: "SQUARE_TOKEN=sq0atp-Xk48Lm2Vn9Rb4Tk1Wz8Pc3", not: "sq0atp-1"},
	{id: "paypal-braintree-token", title: "PayPal Braintree access token", sev: Critical, keywords: []string{"access_token$production$"},
		re: `(access_token\$production\$[0-9a-z]{16}\$[0-9a-f]{32})`, group: 1,
		example: "access_token$production$x48lm2vn9rb4tk1w$0a1b2c3d4e5f60718293a4b5c6d7e8f9", not: "access_token$production$"},
	{id: "openai-api-key", title: "OpenAI API key", sev: High, keywords: []string{"T3BlbkFJ", "sk-proj-", "sk-svcacct-"},
		re: b + `(sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,74}T3BlbkFJ[A-Za-z0-9_\-]{20,74})` + e, group: 1,
		example: "OPENAI_API_KEY=sk-proj-Xk48Lm2Vn9Rb4Tk1Wz8PT3BlbkFJc3Hd6Jf0Ys5Ua2Ge7Ki9", not: "sk-proj-abc"},
	{id: "anthropic-api-key", title: "Anthropic API key", sev: High, keywords: []string{"sk-ant-"},
		re: b + `(sk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_\-]{80,100}AA)` + e, group: 1,
		example: "ANTHROPIC_API_KEY=sk-ant-api03-" + alnum90 + "AA", not: "sk-ant-"},
	{id: "huggingface-token", title: "Hugging Face access token", sev: High, keywords: []string{"hf_"},
		re: b + `(hf_[A-Za-z]{34})` + e, group: 1, entropy: 3.5,
		example: "HF_TOKEN=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", not: "hf_abc"},
	{id: "linear-api-key", title: "Linear API key", sev: High, keywords: []string{"lin_api_"},
		re: b + `(lin_api_[A-Za-z0-9]{40})` + e, group: 1,
		example: "lin_api_Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge7Ki9", not: "lin_api_"},
	{id: "atlassian-api-token", title: "Atlassian API token", sev: High, keywords: []string{"ATATT3"},
		re: b + `(ATATT3[A-Za-z0-9_\-=]{186})` + e, group: 1,
		example: "ATATT3" + alnum186, not: "ATATT3xyz"},
	{id: "okta-api-token", title: "Okta API token", sev: High, keywords: []string{"okta"},
		re: `(?i)okta[a-z_\-]{0,20}(?:token|key)` + assign + `(00[A-Za-z0-9_\-]{40})` + e, group: 1,
		example: "OKTA_API_TOKEN=00Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge7Ki9", not: "OKTA_API_TOKEN=abc"},
	{id: "twitter-bearer-token", title: "Twitter/X bearer token", sev: High, keywords: []string{"AAAAAAAAAAAAAAAAAAAAA"},
		re: b + `(AAAAAAAAAAAAAAAAAAAAA[A-Za-z0-9%]{60,120})` + e, group: 1,
		example: "TWITTER_BEARER=AAAAAAAAAAAAAAAAAAAAAXk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge7Ki9Ol4Mn1Bq8Rv3Sx6Tw0Uy5Za2Cb", not: "AAAAAAAAAAAAAAAAAAAAA"},
	{id: "facebook-access-token", title: "Facebook access token", sev: High, keywords: []string{"EAACEdEose0cBA"},
		re: b + `(EAACEdEose0cBA[0-9A-Za-z]{20,})` + e, group: 1,
		example: "EAACEdEose0cBAXk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0", not: "EAACEdEose0cBA"},
	{id: "mapbox-secret-token", title: "Mapbox secret token", sev: High, keywords: []string{"sk.eyJ"},
		re: b + `(sk\.eyJ[A-Za-z0-9_\-]{50,}\.[A-Za-z0-9_\-]{20,})` + e, group: 1,
		example: "MAPBOX_TOKEN=sk.eyJ1IjoiYWNtZSIsImEiOiJja3g0OGxtMnZuOXJiNHRrMXd6OHBjM2hkNiJ9.Xk48Lm2Vn9Rb4Tk1Wz8Pc3", not: "sk.eyJ"},
	{id: "dynatrace-token", title: "Dynatrace API token", sev: High, keywords: []string{"dt0c01."},
		re: b + `(dt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64})` + e, group: 1,
		example: "dt0c01.XK48LM2VN9RB4TK1WZ8PC3HD." + upper64, not: "dt0c01.ABC"},
	{id: "doppler-token", title: "Doppler token", sev: High, keywords: []string{"dp.pt.", "dp.st.", "dp.sa."},
		re: b + `(dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44})` + e, group: 1,
		example: "DOPPLER_TOKEN=dp.pt.Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge7Ki9Ol4", not: "dp.pt.x"},
	{id: "pulumi-token", title: "Pulumi access token", sev: High, keywords: []string{"pul-"},
		re: b + `(pul-[a-f0-9]{40})` + e, group: 1,
		example: "PULUMI_ACCESS_TOKEN=pul-0a1b2c3d4e5f60718293a4b5c6d7e8f901234567", not: "pul-1"},
	{id: "hashicorp-vault-token", title: "HashiCorp Vault token", sev: Critical, keywords: []string{"hvs.", "hvb."},
		re: b + `(hv[sb]\.[A-Za-z0-9_\-]{90,120})` + e, group: 1,
		example: "VAULT_TOKEN=hvs." + alnum90, not: "hvs.abc"},
	{id: "terraform-cloud-token", title: "Terraform Cloud API token", sev: High, keywords: []string{".atlasv1."},
		re: b + `([A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_\-=]{60,70})` + e, group: 1,
		example: "token = \"Xk48Lm2Vn9Rb4T.atlasv1.k1Wz8Pc3Hd6Jf0Ys5Ua2Ge7Ki9Ol4Mn1Bq8Rv3Sx6Tw0Uy5Za2Cb7Dc4Ed9Fe1Gf6Hg\"", not: "atlasv1"},
	{id: "planetscale-token", title: "PlanetScale token or password", sev: High, keywords: []string{"pscale_"},
		re: b + `(pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_.\-]{32,64})` + e, group: 1,
		example: "pscale_pw_Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge", not: "pscale_pw_"},
	{id: "fly-io-token", title: "Fly.io access token", sev: High, keywords: []string{"fo1_", "FlyV1"},
		re: b + `(fo1_[A-Za-z0-9_\-]{43}|FlyV1 fm\d_[A-Za-z0-9+/=,_\-]{100,})`, group: 1,
		example: "FLY_API_TOKEN=fo1_Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge7Ki9Ol4", not: "fo1_"},
	{id: "age-secret-key", title: "age encryption secret key", sev: Critical, keywords: []string{"AGE-SECRET-KEY-1"},
		re: `(AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})`, group: 1,
		example: "AGE-SECRET-KEY-1QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7LQPZRY9X8GF2TVDW0S3JN54KHCE6MUA7LQPZ", not: "AGE-SECRET-KEY-1"},

	{id: "sonarqube-token", title: "SonarQube token", sev: High, keywords: []string{"squ_", "sqp_", "sqa_"},
		re: b + `(sq[upa]_[a-f0-9]{40})` + e, group: 1,
		example: "SONAR_TOKEN=squ_0a1b2c3d4e5f60718293a4b5c6d7e8f901234567", not: "squ_abc"},
	{id: "buildkite-token", title: "Buildkite API access token", sev: High, keywords: []string{"bkua_"},
		re: b + `(bkua_[a-f0-9]{40})` + e, group: 1,
		example: "BUILDKITE_API_TOKEN=bkua_0a1b2c3d4e5f60718293a4b5c6d7e8f901234567", not: "bkua_"},
	{id: "jfrog-api-key", title: "JFrog Artifactory API key", sev: High, keywords: []string{"AKCp"},
		re: b + `(AKCp[A-Za-z0-9]{69})` + e, group: 1, entropy: 3.5,
		example: "ARTIFACTORY_API_KEY=AKCp" + alnum90[:69], not: "AKCp123"},
	{id: "snyk-token", title: "Snyk API token", sev: High, keywords: []string{"snyk"},
		re: `(?i)snyk[a-z_\-]{0,20}(?:token|key)` + assign + `([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})`, group: 1,
		example: "SNYK_TOKEN=3f2a9c1e-7b4d-4e8f-a6c5-1d0b9e8f7a6c", not: "SNYK_TOKEN=${{ secrets.SNYK }}"},

	// Package registries and containers.
	{id: "npm-access-token", title: "npm access token", sev: Critical, keywords: []string{"npm_"},
		re: b + `(npm_[A-Za-z0-9]{36})` + e, group: 1,
		example: "NPM_TOKEN=npm_Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge", not: "npm_config_cache"},
	{id: "npmrc-auth-token", title: "npm registry credentials in .npmrc", sev: Critical, keywords: []string{"_authToken", "_auth", "_password"},
		re: `(?m)(?:_authToken|_auth|_password)\s*=\s*["']?([^\s"'$]{8,})`, group: 1, paths: `(?:^|/)\.?npmrc$`,
		example: "//registry.npmjs.org/:_authToken=0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9", not: "//registry.npmjs.org/:_authToken=${NPM_TOKEN}"},
	{id: "pypi-token", title: "PyPI upload token", sev: Critical, keywords: []string{"pypi-AgEIcHlwaS5vcmc"},
		re: b + `(pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,})` + e, group: 1,
		example: "password = pypi-AgEIcHlwaS5vcmcCJDk4Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge7Ki9Ol4Mn1Bq8Rv3", not: "pypi-AgEIcHlwaS5vcmc"},
	{id: "rubygems-api-key", title: "RubyGems API key", sev: High, keywords: []string{"rubygems_"},
		re: b + `(rubygems_[a-f0-9]{48})` + e, group: 1,
		example: "GEM_HOST_API_KEY=rubygems_0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071", not: "rubygems_version"},
	{id: "nuget-api-key", title: "NuGet API key", sev: High, keywords: []string{"oy2"},
		re: b + `(oy2[a-z0-9]{43})` + e, group: 1, entropy: 3.5,
		example: "NUGET_API_KEY=oy2xk48lm2vn9rb4tk1wz8pc3hd6jf0ys5ua2ge7ki9olq", not: "oy2"},
	{id: "clojars-token", title: "Clojars deploy token", sev: High, keywords: []string{"CLOJARS_"},
		re: b + `(CLOJARS_[a-z0-9]{60})` + e, group: 1,
		example: "CLOJARS_" + lower60, not: "CLOJARS_USERNAME"},
	{id: "dockerhub-pat", title: "Docker Hub personal access token", sev: Critical, keywords: []string{"dckr_pat_"},
		re: b + `(dckr_pat_[A-Za-z0-9_\-]{27})` + e, group: 1,
		example: "DOCKERHUB_TOKEN=dckr_pat_Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf", not: "dckr_pat_"},
	{id: "docker-config-auth", title: "Registry credentials in a Docker config", sev: Critical, keywords: []string{"\"auth\""},
		re: `"auth"\s*:\s*"([A-Za-z0-9+/]{12,}={0,2})"`, group: 1, paths: `(?:^|/)(?:[^/]*config[^/]*\.json|\.dockercfg)$`,
		example: `{"auths": {"registry.example.org": {"auth": "ZGVwbG95OlhrNDhMbTJWbjlSYjRUazE="}}}`, not: `{"auths": {"registry.example.org": {}}}`},

	// Keys and certificates.
	{id: "private-key", title: "Private key", sev: Critical, keywords: []string{"PRIVATE KEY"},
		re: `(-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----[\s\S]{32,}?-----END (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----)`, group: 1,
		example: "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi+Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd\n-----END RSA PRIVATE KEY-----",
		not:     "-----BEGIN RSA PRIVATE KEY-----\n-----END RSA PRIVATE KEY-----"},
	{id: "putty-private-key", title: "PuTTY private key", sev: Critical, keywords: []string{"PuTTY-User-Key-File"},
		re: `(PuTTY-User-Key-File-[23]: [a-z0-9\-]+)\s+Encryption`, group: 1,
		example: "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: deploy", not: "PuTTY-User-Key-File"},
	{id: "jwt", title: "JSON Web Token", sev: Medium, keywords: []string{"eyJ"},
		re: b + `(eyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{16,})` + e, group: 1,
		example: "Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6ImRlcGxveSJ9.Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge",
		not:     "eyJhbGciOiJub25lIn0"},

	// Credentials in URLs and files.
	{id: "database-url-password", title: "Database connection string with a password", sev: Critical, keywords: []string{"postgres", "mysql", "mongodb", "redis", "amqp", "mssql", "sqlserver"},
		re: `(?i)(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver)://[^:\s/@"']+:([^@\s/"']{3,})@`, group: 1,
		allow:   []string{`^(?i:password|pass|pwd|secret)$`},
		example: "DATABASE_URL=postgres://app:Xk48Lm2Vn9Rb@db.internal:5432/app", not: "DATABASE_URL=postgres://app:${DB_PASSWORD}@db:5432/app"},
	{id: "url-basic-auth", title: "Password in a URL", sev: High, keywords: []string{"://"},
		re: `(?i)\bhttps?://[A-Za-z0-9._%\-]{1,64}:([^@\s/:"'<>]{6,})@[A-Za-z0-9.\-]+`, group: 1, entropy: 2.5,
		allow:   []string{`^(?i:password|passwd|pass)$`},
		example: "pip install --index-url https://ci:Xk48Lm2Vn9Rb@pypi.internal/simple pkg", not: "https://user@github.com/org/repo"},
	{id: "htpasswd-hash", title: "htpasswd password hash", sev: Medium, keywords: []string{"$apr1$", "$2y$", "$2a$", "$2b$", "{SHA}", "$5$", "$6$"},
		re: `(?m)^[^:\s#]+:((?:\$apr1\$|\$2[aby]\$|\{SHA\}|\$[56]\$)[^\s]{20,})$`, group: 1, paths: `(?:^|/)(?:\.htpasswd|htpasswd)$`,
		example: "admin:$apr1$Xk48Lm2V$n9Rb4Tk1Wz8Pc3Hd6Jf0Ys", not: "# admin"},
	{id: "basic-auth-header", title: "HTTP Basic authorization header", sev: High, keywords: []string{"authorization"},
		re: `(?i)authorization["']?\s*[:=]\s*["']?basic\s+([A-Za-z0-9+/]{12,}={0,2})`, group: 1, entropy: 3.0,
		example: `curl -H "Authorization: Basic ZGVwbG95OlhrNDhMbTJWbjlSYjQ=" https://api.internal`, not: `Authorization: Basic ${CREDENTIALS}`},
	{id: "kubeconfig-credentials", title: "Kubernetes client credentials", sev: Critical, keywords: []string{"client-key-data", "token:"},
		re: `(?m)^\s*(?:client-key-data|token):\s*["']?([A-Za-z0-9+/=._\-]{40,})`, group: 1, entropy: 3.5, paths: `(?i)(?:kubeconfig|(?:^|/)\.kube/config|(?:^|/)config)$`,
		example: "users:\n- name: admin\n  user:\n    token: Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge7Ki9Ol4Mn1Bq", not: "users:\n- name: admin"},

	// Generic assignments: last, so that specific rules win.
	{id: "generic-password", title: "Password in an assignment", sev: High, keywords: []string{"password", "passwd", "pwd", "pass"},
		re: `(?i)(?:^|[\s"'{,;(])(?:[a-z0-9_.\-]*(?:password|passwd|pwd|pass))["']?\s*(?:[:=]|:=|=>)\s*["']?([^\s"'<>{}$&;,]{8,64})["']?(?:$|[\s"',;})])`, group: 1, entropy: 3.0,
		allow: []string{`(?i)^(?:true|false|null|none|nil|required|optional|string|password|passwd|secret|undefined|\*+)$`, `(?i)^(?:env|process\.env|os\.environ|getenv|config|settings|vault)[.\[(]`, `^[A-Za-z_]+(?:\.[A-Za-z_]+)+$`,
			`^[^0-9]*$`,                      // no digit: a word or an identifier, not a generated password
			`^[A-Za-z_][A-Za-z0-9_.]*[\[(]`}, // code: a call or an index (pass := po.undo[n-1])
		example: "DB_PASSWORD=Xk48Lm2Vn9Rb4Tk1", not: "password: ${DB_PASSWORD}"},
	{id: "generic-secret", title: "Secret, token or API key in an assignment", sev: High, keywords: []string{"secret", "token", "api_key", "apikey", "api-key", "access_key", "auth_key", "client_secret", "private_key"},
		re: `(?i)(?:^|[\s"'{,;(])(?:[a-z0-9_.\-]*(?:secret|token|api[_\-]?key|access[_\-]?key|auth[_\-]?key|private[_\-]?key))["']?\s*(?:[:=]|:=|=>)\s*["']?([A-Za-z0-9+/=_\-.~]{16,128})["']?(?:$|[\s"',;})])`, group: 1, entropy: 3.5,
		allow: []string{`(?i)^(?:true|false|null|none|undefined)$`, `^[A-Za-z_]+(?:\.[A-Za-z_]+)+$`, `^[A-Z_]+$`,
			`^[^0-9]*$`, `^[^A-Za-z]*$`}, // tokens mix letters and digits
		example: "client_secret: Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd", not: "token_endpoint: https://auth.example.org/token"},
}

// Made-up key material of the lengths some formats need.
const (
	hex146   = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef01"
	alnum90  = "Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge7Ki9Ol4Mn1Bq8Rv3Sx6Tw0Uy5Za2Cb7Dc4Ed9Fe1Gf6Hg3Ih8Ji0Kj"
	alnum186 = alnum90 + alnum90 + "Kj5Lk2"
	upper64  = "XK48LM2VN9RB4TK1WZ8PC3HD6JF0YS5UA2GE7KI9OL4MN1BQ8RV3SX6TW0UY5ZA2"
	lower60  = "xk48lm2vn9rb4tk1wz8pc3hd6jf0ys5ua2ge7ki9ol4mn1bq8rv3sx6tw0uy"
)
