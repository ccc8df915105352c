package practice

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Word lists for the constraints a learner writes, in the Constraints
// field or anywhere in the task. A trailing '*' matches any ending (stems),
// so Russian case forms are covered.
var (
	commercialNeg = []string{"non-commercial", "noncommercial", "non commercial", "not commercial", "no commercial", "not for profit", "non-profit research",
		"personal", "hobby", "research only", "research use", "academic", "just for me", "for myself", "for fun", "learning", "pet project", "side project",
		"некоммерч*", "не коммерч*", "для себя", "личн*", "хобби", "для учёбы", "для учебы", "учебн*", "пет-проект*", "пет проект*"}
	commercialPos = newWords("commercial*", "business*", "product", "products", "production", "company", "companies", "corporate", "enterprise", "startup*",
		"client", "clients", "customer*", "saas", "paid", "subscription*", "sell", "selling", "resell*", "monetiz*", "revenue", "bank", "banks", "bank's", "banking",
		"insurer", "insurance company", "hospital", "clinic", "law firm", "agency", "retail", "e-commerce", "ecommerce", "online store", "online shop",
		"marketplace", "app store", "our app", "our users", "our website", "our site", "our platform", "our service", "employer", "employees", "staff", "in-house",
		"коммерч*", "бизнес*", "продукт*", "компани*", "клиент*", "продаж*", "стартап*", "прод", "продакшн*", "продакшен*", "платн*", "подписк*", "банк*",
		"страхов*", "магазин*", "маркетплейс*", "сотрудник*", "предприяти*", "корпоратив*", "заказчик*", "наш сервис", "нашего сервиса", "наш сайт", "нашего сайта")
	productionWords = newWords("production", "in prod", "prod", "daily", "every day", "everyday", "day-to-day", "internal tool", "employees", "staff", "our team uses",
		"customer-facing", "customers", "live", "deployed", "deploy", "at scale", "24/7",
		"прод", "продакшн*", "продакшен*", "ежедневн*", "каждый день", "внутренн* инструмент*", "сотрудник*", "клиент*", "в эксплуатаци*", "боев*")
	evaluationWords = newWords("evaluate", "evaluating", "evaluation", "eval", "benchmark*", "testing", "test it", "try out", "trying out", "prototype", "prototyping",
		"poc", "proof of concept", "experiment*", "research", "academic", "non-production", "not in production",
		"оценк*", "оценить", "тестир*", "протестир*", "попробовать", "прототип*", "эксперимент*", "исследован*", "пилот*")
	privacyWords = newWords("privacy", "private", "confidential", "sensitive", "on-prem*", "on prem*", "local only", "locally only", "offline", "air-gapped", "air gapped",
		"no cloud", "no data", "data must", "data can't", "data cannot", "data stays", "stay local", "stays local", "gdpr", "hipaa", "nda", "medical", "patient",
		"приватн*", "конфиденц*", "данные не", "без интернета", "только локально", "персональн*", "медицин*", "офлайн", "закрыт* контур*")
	// dataFlowWords mark a phrase about where data goes ("data must not be
	// sent to China", «данные не должны уходить в Китай»).
	dataFlowWords = newWords("data", "information", "sent", "send", "sending", "leave", "leaves", "transfer*", "stored", "store", "processed",
		"данные", "данных", "информаци*", "уходить", "уходили", "уйти", "передава*", "передать", "отправля*", "отправить", "храниться", "хранить", "попадать", "утека*")
	latencyWords = newWords("fast", "faster", "fastest", "low latency", "latency", "real-time", "realtime", "real time", "quick", "quickly", "speed", "responsive", "быстр*", "скорост*", "задержк*", "в реальном времени",
		// Completion in an editor answers every keystroke: small and no
		// thinking out loud.
		"autocomplete", "autocompletion", "auto-complete", "code completion", "tab completion", "inline suggestions", "fill-in-the-middle", "fim", "copilot", "автодополн*", "автокомплит*")
	permissiveWords = newWords("apache*", "mit", "permissive", "osi", "open source license", "open-source license", "truly open", "fully open", "пермиссив*", "свободн* лиценз*")
	costWords       = newWords("cheap", "cheapest", "budget", "low cost", "low-cost", "cost", "costs", "price", "affordable", "free", "inexpensive", "дешев*", "дёшев*", "бюджет*", "недорог*", "бесплатн*", "цена", "стоимост*")
	euWords         = newWords("eu", "e.u.", "europe", "european", "gdpr", "евросоюз*", "европ*", "ес",
		"germany", "german company", "france", "french company", "netherlands", "dutch", "spain", "italy", "poland", "sweden", "austria", "belgium", "ireland",
		"finland", "denmark", "portugal", "czech*", "greece", "romania", "hungary", "estonia", "latvia", "lithuania", "berlin", "paris", "amsterdam", "munich",
		"германи*", "франци*", "нидерланд*", "испани*", "итали*", "польш*", "швеци*", "австри*", "бельги*", "ирланди*", "финлянди*", "дани*", "португали*", "чехи*", "эстони*", "латви*", "литв*")
	noneWords = []string{"none", "no", "nothing", "n/a", "na", "-", "—", "no constraints", "no restrictions", "not really", "no limits",
		"doesn't matter", "does not matter", "doesnt matter", "nope", "any", "нет", "ничего", "не важно", "неважно", "без ограничений", "никаких", "нету"}
	languageWords = []struct {
		name  string
		words *wordList
	}{
		{"Russian", newWords("russian", "русск*", "рус")}, {"Chinese", newWords("chinese", "mandarin", "китайск*")},
		{"German", newWords("german", "немецк*")}, {"French", newWords("french", "французск*")},
		{"Spanish", newWords("spanish", "испанск*")}, {"Japanese", newWords("japanese", "японск*")},
		{"Korean", newWords("korean", "корейск*")}, {"Arabic", newWords("arabic", "арабск*")},
		{"Italian", newWords("italian", "итальянск*")}, {"Portuguese", newWords("portuguese", "португальск*")},
		{"Ukrainian", newWords("ukrainian", "украинск*")}, {"Hindi", newWords("hindi", "хинди")},
		{"Turkish", newWords("turkish", "турецк*")}, {"Polish", newWords("polish", "польск*")},
		{"Kazakh", newWords("kazakh", "казахск*")}, {"Vietnamese", newWords("vietnamese", "вьетнамск*")},
		{"English", newWords("english", "английск*")},
	}

	militaryWords = newWords("military", "army", "armies", "armed forces", "defense contractor", "defence contractor", "defense ministry", "ministry of defence",
		"ministry of defense", "department of defense", "dod", "weapon*", "warfare", "battlefield", "targeting", "missile*", "drone strike*", "espionage", "nuclear weapon*",
		"военн*", "армия", "армии", "армейск*", "вооружённ*", "вооруженн*", "оборонн*", "минобороны", "министерство обороны", "министерства обороны", "министерству обороны", "министерством обороны", "оружи*", "боев* дрон*", "шпионаж*", "разведк*")
	decisionWords = newWords("approve", "approves", "approving", "approval*", "reject", "rejects", "rejecting", "rejection*", "deny", "denies", "denial*",
		"decide", "decides", "deciding", "decision*", "scoring", "score", "scores", "screen", "screens", "screening", "shortlist*", "rank candidates",
		"underwrit*", "eligibility", "triage", "decline", "declines", "auto-decline*", "rank", "ranks", "ranking", "одобр*", "отказ*", "решени*", "решать", "решает", "скоринг*", "отбор*", "отсев*", "оценива* заявк*")
	automatedWords = newWords("automated", "automatic*", "automate*", "auto-approve*", "auto-reject*", "without human*", "without a human", "no human", "fully automated",
		"автоматическ*", "автоматизир*", "без участия человека", "без человека")
	rightsDomainWords = newWords("loan*", "credit", "credits", "creditworth*", "mortgage*", "lending", "hiring", "hire", "recruit*", "candidate*", "applicant*",
		"resume", "resumes", "résumé*", "cv", "cvs", "job application*", "employment", "insurance", "claim", "claims", "tenant*", "housing", "rental application*",
		"patient*", "diagnos*", "treatment*", "benefit*", "welfare", "bail", "sentencing", "parole", "court", "legal decision*", "visa", "immigration",
		"кредит*", "займ*", "ипотек*", "кандидат*", "соискател*", "резюме", "найм*", "вакан*", "страхов*", "выплат*", "арендатор*", "жиль*", "пациент*",
		"диагноз*", "лечени*", "пособи*", "социальн* выплат*", "суд*", "виз*")
	sexualWords = newWords("sexual*", "sexually", "sex chat*", "sexting", "erotic*", "erotica", "nsfw", "adult content", "adult chat*", "porn*", "18+", "explicit content",
		"lewd", "эротик*", "эротич*", "сексуальн*", "секс*", "порн*", "для взрослых", "откровенн* контент*", "интим*")
)

var (
	// "no Chinese models", "forbids models developed in China", "без китайских моделей".
	originNegBefore = regexp.MustCompile(`(?i)(?:^|[^\p{L}])(?:no|not|non|without|avoid\p{L}*|exclud\p{L}*|except|ban\p{L}*|forbid\p{L}*|prohibit\p{L}*|disallow\p{L}*|never|nothing|can't|cannot|mustn't|must not|без|не|кроме|исключ\p{L}*|запрещ\p{L}*|нельзя|никаких|ничего)[\s-]+(?:[\p{L}'’-]+[\s,]+){0,5}?(chinese|china|prc|american|usa|u\.s\.|us-made|american-made|european|french|китайск\p{L}*|китае|китая|китай|кнр|американск\p{L}*|сша|европейск\p{L}*)(?:[^\p{L}]|$)`)
	originNegAfter  = regexp.MustCompile(`(?i)(?:^|[^\p{L}])(chinese|china|prc|american|usa|european|китайск\p{L}*|китай|кнр|американск\p{L}*|сша)(?:[\s-]+[\p{L}'’-]+){0,4}?[\s-]+(?:not allowed|are not allowed|is not allowed|forbidden|banned|prohibited|excluded|are out|not permitted|not ok|unacceptable|off limits|off-limits|запрещены|запрещено|запрещен|нельзя|не подходят|не допускаются|исключены|не годятся|под запретом|не предлагай\p{L}*|не предлагать|не нужн\p{L}*|не надо|не хотим|не хочу|не использу\p{L}*|не использовать|не советуй\p{L}*|не берём|не берем|не рассматрива\p{L}*)`)
	originOnly      = regexp.MustCompile(`(?i)(?:^|[^\p{L}])(?:only|exclusively|must be|только|исключительно)[\s-]+(?:[\p{L}'’-]+\s+){0,2}?(european|eu|french|american|us|western|европейск\p{L}*|французск\p{L}*|американск\p{L}*|западн\p{L}*)(?:[\s-]+(?:[\p{L}-]+\s+){0,1}?(?:models?|vendors?|providers?|origin|companies|модел\p{L}*|разработчик\p{L}*|вендор\p{L}*|производител\p{L}*))`)
	originOnlyAfter = regexp.MustCompile(`(?i)(?:^|[^\p{L}])(european|eu|french|american|us|western|европейск\p{L}*|французск\p{L}*|американск\p{L}*|западн\p{L}*)(?:[\s-]+[\p{L}-]+){0,2}?[\s-]+(?:models?|vendors?|providers?|модел\p{L}*|разработчик\p{L}*)\s+(?:only|exclusively|только)(?:[^\p{L}]|$)`)
	vendorNeg       = regexp.MustCompile(`(?i)(?:^|[^\p{L}])(?:no|not|without|avoid\p{L}*|except|exclude|excluding|never|nothing|none|ban\p{L}*|forbid\p{L}*|prohibit\p{L}*|без|кроме|не|никаких|ничего|исключ\p{L}*|запрещ\p{L}*)[\s-]+(?:[\p{L}'’-]+\s+){0,3}?(deepseek|qwen|alibaba|mistral|mixtral|llama|meta|facebook|gemma|google|phi|microsoft|китайск\p{L}*|американск\p{L}*)(?:[^\p{L}]|$)`)
	vendorNegAfter  = regexp.MustCompile(`(?i)(?:^|[^\p{L}])(deepseek|qwen|alibaba|mistral|llama|meta|gemma|google|phi|microsoft)(?:\s+[\p{L}'’-]+){0,3}?\s+(?:not allowed|is not allowed|are not allowed|forbidden|banned|prohibited|excluded|запрещены|запрещено|нельзя|не подходят|исключены|не предлагай\p{L}*|не нужн\p{L}*|не надо|не использу\p{L}*|не рассматрива\p{L}*)`)
	// "no Alibaba and DeepSeek": the vendors listed after the first
	vendorMore = regexp.MustCompile(`(?i)^(?:\s*(?:,|and|or|nor|и|или|либо|/)\s*(?:от\s+|from\s+)?)(deepseek|qwen|alibaba|mistral|mixtral|llama|meta|facebook|gemma|google|phi|microsoft)(?:[^\p{L}]|$)`)

	residencyEU = regexp.MustCompile(`(?i)(?:(?:data|it|everything|logs|prompts)\s+(?:\p{L}+\s+){0,3}?(?:stay|stays|remain|remains|be stored|be kept|be processed|kept|stored|processed|hosted|reside)\s+(?:\p{L}+\s+){0,2}?(?:in|inside|within)\s+(?:the\s+)?(?:eu|e\.u\.|europe|european union|eea)|eu[\s-]+(?:data[\s-]+)?residen\p{L}*|eu[\s-]+hosted|hosted\s+in\s+(?:the\s+)?(?:eu|europe)|eu\s+servers?|european\s+servers?|data\s+residency\s*(?:[:=-]|in)?\s*(?:the\s+)?(?:eu|europe)|данн\p{L}*\s+(?:\p{L}+\s+){0,3}?(?:в|внутри|на территории)\s+(?:ес|евросоюз\p{L}*|европ\p{L}*)|сервер\p{L}*\s+в\s+(?:ес|европ\p{L}*))`)
	residencyRU = regexp.MustCompile(`(?i)(?:152[\s-]*фз|152-fz|данн\p{L}*\s+(?:\p{L}+\s+){0,3}?(?:в|внутри|на территории)\s+(?:россии|рф)|data\s+(?:\p{L}+\s+){0,3}?(?:in|inside|within)\s+russia)`)

	usersRE    = regexp.MustCompile(`(?i)(\d{1,3}(?:[  ]\d{3})+|\d+(?:[.,]\d+)?)\s*(k|thousand|тыс\.?|тысяч\p{L}*|m|mln|mm|million|millions|млн\.?|миллион\p{L}*|b|bn|billion|billions|млрд\.?|миллиард\p{L}*)?\+?\s*(?:\p{L}+\s+){0,2}?(mau|monthly active users|monthly users|active users|users|monthly actives|subscribers|customers|visitors|players|пользовател\p{L}*|юзер\p{L}*|подписчик\p{L}*|клиент\p{L}*|посетител\p{L}*|игрок\p{L}*|mau)`)
	mauFirstRE = regexp.MustCompile(`(?i)(?:mau|users|пользовател\p{L}*|аудитори\p{L}*)\s*(?:[:=~≈]|of|около|about|—|-)?\s*(\d{1,3}(?:[  ]\d{3})+|\d+(?:[.,]\d+)?)\s*(k|thousand|тыс\.?|тысяч\p{L}*|m|mln|million|millions|млн\.?|миллион\p{L}*|b|bn|billion|млрд\.?|миллиард\p{L}*)?`)

	budgetRE = regexp.MustCompile(`(?i)(?:\$\s*(\d[\d,  ]*(?:\.\d+)?)\s*(k)?|(\d[\d,  ]*(?:\.\d+)?)\s*(k)?\s*(?:usd|dollars?|долл\p{L}*|\$))(?:\s*(?:/|per|a|an|в|за)\s*(month|mo|year|yr|day|месяц|мес|год|день))?`)
)

// multiplier maps a number's word ("million", "млн") to its factor.
func multiplier(w string) float64 {
	w = strings.TrimSuffix(strings.ToLower(w), ".")
	switch {
	case w == "":
		return 1
	case w == "k" || w == "thousand" || strings.HasPrefix(w, "тыс"):
		return 1e3
	case w == "m" || w == "mln" || w == "mm" || strings.HasPrefix(w, "million") || w == "млн" || strings.HasPrefix(w, "миллион"):
		return 1e6
	case w == "b" || w == "bn" || strings.HasPrefix(w, "billion") || w == "млрд" || strings.HasPrefix(w, "миллиард"):
		return 1e9
	}
	return 1
}

// parseAmount reads "900", "1.2", "1,5" or "50 000".
func parseAmount(s string) (float64, bool) {
	s = strings.NewReplacer(" ", "", " ", "", " ", "").Replace(s)
	if strings.Count(s, ",") == 1 && !strings.Contains(s, ".") && len(s)-strings.Index(s, ",") != 4 {
		s = strings.Replace(s, ",", ".", 1) // "1,5" is a decimal comma
	}
	s = strings.ReplaceAll(s, ",", "")
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0, false
	}
	return v, true
}

// monthlyUsers finds a stated user count ("900 million monthly users",
// "MAU 120M", "150 млн пользователей"); 0 when none.
func monthlyUsers(l string) int64 {
	if !hasDigit(l) || !containsAny(l, "user", "mau", "customer", "subscri", "visitor", "player", "active", "пользоват", "юзер", "клиент", "подписч", "посетит", "игрок", "аудитор") {
		return 0
	}
	var best float64
	for _, m := range usersRE.FindAllStringSubmatch(l, -1) {
		if v, ok := parseAmount(m[1]); ok {
			best = math.Max(best, v*multiplier(m[2]))
		}
	}
	for _, m := range mauFirstRE.FindAllStringSubmatch(l, -1) {
		if v, ok := parseAmount(m[1]); ok && (m[2] != "" || v >= 1000) {
			best = math.Max(best, v*multiplier(m[2]))
		}
	}
	if best > 1e11 {
		best = 1e11 // more people than exist: still "over every line"
	}
	return int64(best)
}

// parseConstraints reads the constraints field; it is never unclear: what
// is not recognised stays in Text for the write-up.
func parseConstraints(v string) Constraints {
	c := Constraints{Text: v}
	l := strings.ToLower(v)
	trimmed := strings.Trim(l, " .!,;")
	for _, w := range noneWords {
		if trimmed == w {
			c.None = true
			return c
		}
	}
	if firstWord(l, noneLeadWords) == 0 {
		c.None = true
	}
	scanConstraints(&c, l)
	if c.Commercial || c.NonCommercial || c.PrivacyLocalOnly || c.LowLatency || c.PermissiveOnly || len(c.AvoidFamilies) > 0 ||
		len(c.ExcludeOrigins) > 0 || len(c.DataNotIn) > 0 || len(c.OnlyOrigins) > 0 || c.Users > 0 || len(c.Domains) > 0 || c.Residency != "" || c.Production || c.Evaluation {
		c.None = false
	}
	return c
}

// scanConstraints adds to c what lower-cased text l says about use,
// users, origins, domains and residency. It only ever sets flags, so it
// can run over the task as well as the constraints.
func scanConstraints(c *Constraints, l string) string {
	// Origins and vendors first, blanked out so "no Chinese models" is not
	// read as a need for Chinese.
	l = scanOrigins(c, l)

	stripped := l
	for _, w := range commercialNeg {
		if i := wordIndex(stripped, w); i >= 0 {
			c.NonCommercial = true
			stripped = stripped[:i] + " " + stripped[i+len(strings.TrimSuffix(w, "*")):]
		}
	}
	if anyWord(stripped, commercialPos) {
		c.Commercial = true
	}
	if c.Commercial {
		c.NonCommercial = false
	}
	if anyWord(l, nonProductionWords) {
		c.Evaluation = true
	} else if anyWord(l, productionWords) {
		c.Production = true
	}
	if !c.Production && anyWord(l, evaluationWords) {
		c.Evaluation = true
	}
	if anyWord(l, privacyWords) {
		c.PrivacyLocalOnly = true
	}
	if anyWord(l, latencyWords) {
		c.LowLatency = true
	}
	if anyWord(l, permissiveWords) {
		c.PermissiveOnly = true
	}
	if anyWord(l, costWords) {
		c.LowCost = true
	}
	if anyWord(l, euWords) {
		c.EU = true
	}
	switch {
	case containsAny(l, "eu", "europ", "eea", "ес", "евро") && residencyEU.MatchString(l):
		c.Residency = "EU"
		c.EU = true
	case containsAny(l, "152", "росси", "рф", "russia") && residencyRU.MatchString(l):
		c.Residency = "RU"
	}
	if n := monthlyUsers(l); n > c.Users {
		c.Users = n
	}
	if anyWord(l, militaryWords) {
		c.Domains = appendDomain(c.Domains, DomainMilitary)
	}
	if anyWord(l, rightsDomainWords) && anyWord(l, decisionWords) &&
		(anyWord(l, automatedWords) || anyWord(l, verdictWords)) {
		c.Domains = appendDomain(c.Domains, DomainAutomatedDecisions)
	}
	if anyWord(l, sexualWords) {
		c.Domains = appendDomain(c.Domains, DomainSexual)
	}
	if b := budgetUSD(l); b > 0 {
		c.BudgetUSD = b
		c.LowCost = true
	}
	for _, x := range languages(l) {
		c.Languages = appendUnique(c.Languages, x)
	}
	return l
}

// containsAny reports whether s contains any of subs: a cheap test that
// lets the costlier regular expressions run only where they can match.
func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// hasDigit reports whether s has an ASCII digit.
func hasDigit(s string) bool { return strings.ContainsAny(s, "0123456789") }

// scanOrigins reads excluded or required origins and vendors, and returns
// l with those phrases blanked out.
func scanOrigins(c *Constraints, l string) string {
	origins := containsAny(l, "chin", "prc", "americ", "usa", "u.s", "us-", "europ", "eu", "french", "western", "кита", "кнр", "америк", "сша", "европ", "француз", "западн")
	vendors := containsAny(l, "deepseek", "qwen", "alibaba", "mistral", "mixtral", "llama", "meta", "facebook", "gemma", "google", "phi", "microsoft", "кита", "америк")
	if !origins && !vendors {
		return l
	}
	blank := func(s string, loc []int) string {
		return s[:loc[0]] + strings.Repeat(" ", loc[1]-loc[0]) + s[loc[1]:]
	}
	for _, re := range []*regexp.Regexp{originNegBefore, originNegAfter} {
		for off := 0; origins && off < len(l); {
			m := re.FindStringSubmatchIndex(l[off:])
			if m == nil {
				break
			}
			for i := range m {
				m[i] += off
			}
			span := l[m[0]:m[1]]
			if strings.Contains(span, "not only") || strings.Contains(span, "не только") || strings.Contains(span, "not just") {
				off = m[3] // "not only English but also Chinese": a language, not an exclusion
				continue
			}
			if country := originWord(l[m[2]:m[3]]); country != "" {
				if anyWord(l[clauseStart(l, m[0], 48):m[1]], dataFlowWords) {
					// "client data must not be sent to China": where data
					// goes, not where models come from.
					c.DataNotIn = appendUnique(c.DataNotIn, country)
				} else {
					c.ExcludeOrigins = appendUnique(c.ExcludeOrigins, country)
				}
			}
			l = blank(l, m[:2])
			off = m[1]
		}
	}
	for _, re := range []*regexp.Regexp{originOnly, originOnlyAfter} {
		for origins {
			m := re.FindStringSubmatchIndex(l)
			if m == nil {
				break
			}
			if country := originWord(l[m[2]:m[3]]); country != "" {
				c.OnlyOrigins = appendUnique(c.OnlyOrigins, country)
			}
			l = blank(l, m[:2])
		}
	}
	for _, re := range []*regexp.Regexp{vendorNeg, vendorNegAfter} {
		for vendors {
			m := re.FindStringSubmatchIndex(l)
			if m == nil {
				break
			}
			w := l[m[2]:m[3]]
			if country := originWord(w); country != "" {
				c.ExcludeOrigins = appendUnique(c.ExcludeOrigins, country)
			} else if fam := vendorFamily(w); fam != "" {
				c.AvoidFamilies = appendUnique(c.AvoidFamilies, fam)
			}
			end := m[3]
			for {
				more := vendorMore.FindStringSubmatchIndex(l[end:])
				if more == nil {
					break
				}
				if fam := vendorFamily(l[end+more[2] : end+more[3]]); fam != "" {
					c.AvoidFamilies = appendUnique(c.AvoidFamilies, fam)
				}
				end += more[3]
			}
			l = blank(l, []int{m[0], max(m[1], end)})
		}
	}
	return l
}

// clauseStart is where the clause holding position at begins, looking
// back at most limit bytes: a data rule in an earlier clause ("data must
// stay in the EU, commercial use, no Chinese vendors") says nothing of
// the exclusion in this one.
func clauseStart(l string, at, limit int) int {
	from := max(0, at-limit)
	if i := strings.LastIndexAny(l[from:at], ",;.!?\n"); i >= 0 {
		return from + i + 1
	}
	return from
}

// originWord maps a word naming a country or region to the country the
// policy data uses ("China", "United States", "Europe").
func originWord(w string) string {
	w = strings.ToLower(w)
	switch {
	case w == "chinese" || w == "china" || w == "prc" || strings.HasPrefix(w, "китай") || strings.HasPrefix(w, "китае") || w == "кнр":
		return "China"
	case w == "american" || w == "usa" || w == "u.s." || w == "us" || w == "us-made" || w == "american-made" || strings.HasPrefix(w, "американск") || w == "сша" || w == "western" || strings.HasPrefix(w, "западн"):
		if w == "western" || strings.HasPrefix(w, "западн") {
			return "Western"
		}
		return "United States"
	case w == "european" || w == "eu" || w == "french" || strings.HasPrefix(w, "европейск") || strings.HasPrefix(w, "французск"):
		return "Europe"
	}
	return ""
}

// vendorFamily maps a vendor or family name to its catalog family.
func vendorFamily(w string) string {
	switch strings.ToLower(w) {
	case "deepseek":
		return "DeepSeek"
	case "qwen", "alibaba":
		return "Qwen"
	case "mistral", "mixtral":
		return "Mistral"
	case "llama", "meta", "facebook":
		return "Llama"
	case "gemma", "google":
		return "Gemma"
	case "phi", "microsoft":
		return "Phi"
	}
	return ""
}

// originMatches reports whether a family's country falls under an origin
// word from originWord.
func originMatches(country, origin string) bool {
	switch origin {
	case "Europe":
		return country == "France"
	case "Western":
		return country == "France" || country == "United States"
	}
	return country == origin
}

func appendDomain(ds []Domain, d Domain) []Domain {
	for _, x := range ds {
		if x == d {
			return ds
		}
	}
	return append(ds, d)
}

// budgetUSD reads a monthly budget in dollars ("$200/month", "100 USD в месяц").
func budgetUSD(l string) float64 {
	if !hasDigit(l) || !containsAny(l, "$", "usd", "dollar", "долл") {
		return 0
	}
	m := budgetRE.FindStringSubmatch(l)
	if m == nil {
		return 0
	}
	num, k := m[1], m[2]
	if num == "" {
		num, k = m[3], m[4]
	}
	v, ok := parseAmount(strings.TrimSpace(num))
	if !ok || v <= 0 {
		return 0
	}
	if k != "" {
		v *= 1000
	}
	switch p := strings.ToLower(m[5]); {
	case p == "year" || p == "yr" || p == "год":
		v /= 12
	case p == "day" || p == "день":
		v *= 30
	}
	return v
}

func languages(l string) []string {
	var out []string
	for _, lw := range languageWords {
		if anyWord(l, lw.words) {
			out = append(out, lw.name)
		}
	}
	return out
}

func appendUnique(s []string, vs ...string) []string {
	for _, v := range vs {
		found := false
		for _, x := range s {
			if x == v {
				found = true
			}
		}
		if !found {
			s = append(s, v)
		}
	}
	return s
}

// Task-level facts: fine-tuning, volume, bulk work, implied context.
var (
	fineTuneWords = newWords("fine-tune", "fine-tuning", "fine-tuned", "fine tune", "fine tuning", "finetune", "finetuning", "finetuned", "lora", "qlora",
		"train it on", "train a model on", "train the model on", "train on our", "training on our", "adapt it to our data",
		"дообуч*", "файнтюн*", "файн-тюн*", "тонк* настройк*", "донастро*", "лора", "qlora", "lora")
	fineTuneExamplesRE = regexp.MustCompile(`(?i)(\d{1,3}(?:[  ]\d{3})+|\d+(?:[.,]\d+)?)\s*(k|thousand|тыс\.?|тысяч\p{L}*|m|million|млн)?\+?\s*(?:\p{L}+\s+){0,2}?(examples?|samples?|tickets?|pairs?|rows?|records?|documents?|docs|dialog(?:ue)?s?|conversations?|chats?|emails?|instructions?|q&a|примеров|пример\p{L}*|пар|тикет\p{L}*|обращени\p{L}*|диалог\p{L}*|запис\p{L}*|документ\p{L}*|писем|чатов|вопрос\p{L}*)`)
	volumeRE           = regexp.MustCompile(`(?i)(\d{1,3}(?:[  ]\d{3})+|\d+(?:[.,]\d+)?)\s*(k|thousand|тыс\.?|тысяч\p{L}*|m|mln|million|millions|млн\.?|миллион\p{L}*|b|bn|billion|млрд\.?)?\+?\s+(?:[\p{L}'’-]+\s+){0,4}?(?:per|a|an|each|every|/|в|за)\s*(day|daily|week|month|monthly|year|день|сутки|неделю|месяц|год)`)
	volumeSlashRE      = regexp.MustCompile(`(?i)(\d{1,3}(?:[  ]\d{3})+|\d+(?:[.,]\d+)?)\s*(k|thousand|тыс\.?|m|mln|million|млн\.?|b|bn|billion|млрд\.?)?\s*/\s*(day|week|month|year|день|сутки|неделю|месяц|мес|год)`)
	tokensPerItemRE    = regexp.MustCompile(`(?i)(\d+(?:[.,]\d+)?)\s*(k)?\s*(?:input\s+)?(?:tokens?|токен\p{L}*)\s*(?:each|per|apiece|на|в среднем|on average|average)`)
	volumeBeforeRE     = regexp.MustCompile(`(?i)(?:every|each|per|a|каждый|каждую|каждые|в|за)\s+(day|week|month|year|день|сутки|неделю|месяц|год)\s+(?:[\p{L}'’-]+\s+){0,3}?~?\s*(\d{1,3}(?:[  ]\d{3})+|\d+(?:[.,]\d+)?)\s*(k|thousand|тыс\.?|тысяч\p{L}*|m|mln|million|millions|млн\.?|миллион\p{L}*|b|bn|billion|млрд\.?)?(?:[^\p{L}]|$)`)
	tokensByRE         = regexp.MustCompile(`(?i)(?:tokens?|токен\p{L}*)\s+(?:по|each|of)\s+~?(\d+(?:[.,]\d+)?)\s*(k)?`)
	tokensEachRE       = regexp.MustCompile(`(?i)(?:each|every|per|average|avg|~|около|примерно|каждый|каждое|каждая)\s+(?:\p{L}+\s+){0,3}?(?:~|about|around|около|примерно)?\s*(\d+(?:[.,]\d+)?)\s*(k)?\s*(?:tokens?|токен\p{L}*)`)
	bulkWords          = newWords("classify", "classifying", "classification", "categoriz*", "categoris*", "label", "labeling", "labelling", "tag", "tagging",
		"sentiment", "extract", "extracting", "extraction", "routing", "route tickets", "moderat*", "spam", "detect spam", "dedup*", "intent detection", "triage",
		"классифи*", "категориз*", "разметк*", "размет*", "тегир*", "извлеч*", "извлека*", "тональност*", "маршрутиз*", "модерац*", "спам*")
	pagesRE        = regexp.MustCompile(`(?i)(\d{1,5})[\s-]*(?:\+\s*)?(pages?|page-long|страниц\p{L}*|стр\.?)(?:[^\p{L}]|$)`)
	ctxExplicitRE  = regexp.MustCompile(`(?i)(\d{1,4}(?:[.,]\d+)?)\s*([kкm]|тыс\p{L}*|млн)\s*(?:-\s*)?(?:tokens?|token context|context|ctx|window|токен\p{L}*|контекст\p{L}*)(?:[^\p{L}]|$)`)
	ctxAfterRE     = regexp.MustCompile(`(?i)(?:context|context window|контекст\p{L}*|окно)\s*(?:of|length|size|длиной|[:=]|в|на|до|≥|>=|at least|не меньше)?\s*(\d{1,4}(?:[.,]\d+)?)\s*([kкm]|тыс\p{L}*|млн)(?:[^\p{L}]|$)`)
	wholeCodeWords = newWords("whole codebase", "entire codebase", "full codebase", "whole repo", "whole repository", "entire repo", "entire repository",
		"all of our code", "large codebase", "monorepo", "whole book", "entire book", "whole books", "full books", "вся кодовая база", "всю кодовую базу",
		"весь репозиторий", "всего репозитория", "весь код", "книгу целиком", "целые книги", "книги целиком")
)

// negatedNeedRE finds needs the learner rules out ("no reasoning needed",
// "рассуждения не нужны"), so they are not read as needs.
var negatedNeedRE = regexp.MustCompile(`(?i)(?:(?:no|not|without|don't need|do not need|doesn't need|no need for|без|не нужн\p{L}*)\s+(?:\p{L}+\s+)?(?:reasoning|thinking|math|code|vision|images?|рассужд\p{L}*|математик\p{L}*|код\p{L}*|картин\p{L}*)|(?:reasoning|thinking|рассуждения|рассуждать)\s+(?:is\s+|are\s+)?(?:not needed|not required|unnecessary|не нужн\p{L}*|не требу\p{L}*|ни к чему))`)

// TokensPerPage converts pages to tokens for an implied context: a dense
// page of prose or a contract is about 400–500 tokens, so 300 pages is
// about 120–150K tokens (the research notes' figure). The low end is used,
// so a 128K model is still offered for 300 pages, with the figure shown.
const TokensPerPage = 400

// wholeCodebaseContext is the context assumed for "the whole codebase".
const wholeCodebaseContext = 131072

// FineTune is a fine-tuning request found in the task.
type FineTune struct {
	// Method is "qlora", "lora", "full" or "" (not said).
	Method string `json:"method,omitempty"`
	// Examples is the size of the training set, when given.
	Examples int `json:"examples,omitempty"`
}

// scanVolume reads how many items a month the text speaks of ("3000
// dialogs a day", "2M/month") and how many tokens each has.
func scanVolume(r *Request, l string) {
	digits := hasDigit(l)
	periods := digits && containsAny(l, "day", "week", "month", "year", "/", "день", "сутк", "недел", "месяц", "мес", "год")
	for _, re := range []*regexp.Regexp{volumeRE, volumeSlashRE} {
		if !periods {
			break
		}
		if m := re.FindStringSubmatch(l); m != nil {
			v, ok := parseAmount(m[1])
			if !ok {
				continue
			}
			v *= multiplier(m[2])
			switch p := strings.ToLower(m[3]); {
			case p == "day" || p == "daily" || p == "день" || p == "сутки":
				v *= 30
			case p == "week" || p == "неделю":
				v *= 30.0 / 7
			case p == "year" || p == "год":
				v /= 12
			}
			r.ItemsPerMonth = math.Min(v, 1e12)
			break
		}
	}
	if r.ItemsPerMonth == 0 && periods {
		if m := volumeBeforeRE.FindStringSubmatch(l); m != nil {
			if v, ok := parseAmount(m[2]); ok {
				v *= multiplier(m[3])
				switch p := strings.ToLower(m[1]); {
				case p == "day" || p == "день" || p == "сутки":
					v *= 30
				case p == "week" || p == "неделю":
					v *= 30.0 / 7
				case p == "year" || p == "год":
					v /= 12
				}
				r.ItemsPerMonth = math.Min(v, 1e12)
			}
		}
	}
	for _, re := range []*regexp.Regexp{tokensPerItemRE, tokensEachRE, tokensByRE} {
		if !digits || !containsAny(l, "token", "токен") {
			break
		}
		if m := re.FindStringSubmatch(l); m != nil {
			if v, ok := parseAmount(m[1]); ok && v > 0 {
				if m[2] != "" {
					v *= 1000
				}
				r.TokensPerItem = int(math.Min(v, 2e6))
				break
			}
		}
	}
}

// scanTask reads what the task says about fine-tuning, volume and context.
func scanTask(r *Request, l string) {
	if anyWord(l, fineTuneWords) {
		ft := &FineTune{}
		switch {
		case anyWord(l, qloraWords):
			ft.Method = "qlora"
		case anyWord(l, fullTuneWords):
			ft.Method = "full"
		case anyWord(l, loraWords):
			ft.Method = "lora"
		}
		if m := fineTuneExamplesRE.FindStringSubmatch(l); hasDigit(l) && m != nil {
			if v, ok := parseAmount(m[1]); ok {
				ft.Examples = int(math.Min(v*multiplier(m[2]), 1e9))
			}
		}
		r.FineTune = ft
	}
	scanVolume(r, l)
	r.Bulk = anyWord(l, bulkWords) && r.FineTune == nil
	if n, why := neededContext(l); n > r.ContextTokens {
		r.ContextTokens, r.ContextWhy = n, why
	}
}

// neededContext finds the context a task needs: stated ("128K context"),
// or implied by its input ("300-page contracts", "the whole codebase").
func neededContext(l string) (int, string) {
	best, why := 0, ""
	digits := hasDigit(l)
	for _, re := range []*regexp.Regexp{ctxExplicitRE, ctxAfterRE} {
		if !digits || !containsAny(l, "token", "context", "ctx", "window", "токен", "контекст", "окно") {
			break
		}
		for _, m := range re.FindAllStringSubmatch(l, -1) {
			v, ok := parseAmount(m[1])
			if !ok || v <= 0 {
				continue
			}
			u := strings.ToLower(m[2])
			switch {
			case u == "m" || u == "млн":
				v *= 1 << 20
			default:
				v *= 1024
			}
			if v > 1<<24 {
				v = 1 << 24
			}
			if int(v) > best {
				best, why = int(v), ""
			}
		}
	}
	for _, m := range pagesRE.FindAllStringSubmatch(l, -1) {
		if !digits || !containsAny(l, "page", "стр") {
			break
		}
		if n, err := strconv.Atoi(m[1]); err == nil && n > 0 {
			v := min(n, 40000) * TokensPerPage
			if v > best {
				best, why = v, m[1]
			}
		}
	}
	if anyWord(l, wholeCodeWords) && wholeCodebaseContext > best {
		best, why = wholeCodebaseContext, "whole codebase"
	}
	return best, why
}

// Keyboard rows and filler words: a task made only of these is not a task.
var (
	keyboardRows = []string{"qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890", "йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю"}
	fillerWords  = map[string]bool{"test": true, "testing": true, "tests": true, "foo": true, "bar": true, "baz": true, "blah": true, "lorem": true,
		"ipsum": true, "dolor": true, "hello": true, "hi": true, "hey": true, "abc": true, "xyz": true, "xxx": true, "yyy": true, "zzz": true,
		"something": true, "stuff": true, "lol": true, "lmao": true, "kek": true, "ok": true, "okay": true, "your": true, "here": true,
		"describe": true, "fill": true, "in": true, "insert": true, "опишите": true, "задачу": true, "ваша": true, "ваш": true, "здесь": true, "тут": true,
		"заполните": true, "вставьте": true, "лол": true, "whatever": true, "idk": true, "dunno": true, "task": true, "my": true, "a": true, "the": true,
		"тест": true, "проверка": true, "привет": true, "бла": true, "что-то": true, "чтото": true, "задача": true, "моя": true, "фигня": true, "хз": true}
)

// isNonsense reports a task made only of keyboard runs ("asdf qwerty"),
// vowel-less strings or filler ("test", "blah"), with no need recognised.
func isNonsense(v string) bool {
	l := strings.ToLower(v)
	for _, nw := range needWords {
		if nw.need != StrengthGeneral && anyWord(l, nw.words) {
			return false
		}
	}
	words := strings.FieldsFunc(l, func(r rune) bool { return !isWordRune(r) && r != '-' })
	if len(words) == 0 {
		return true
	}
	for _, w := range words {
		if !junkWord(w) {
			return false
		}
	}
	return true
}

func junkWord(w string) bool {
	if fillerWords[w] {
		return true
	}
	if utf8.RuneCountInString(w) >= 3 {
		for _, row := range keyboardRows {
			if strings.Contains(row, w) {
				return true
			}
		}
	}
	vowels, letters, run, maxRun := 0, 0, 0, 0
	repeat := true
	first, _ := utf8.DecodeRuneInString(w)
	for _, r := range w {
		if !unicode.IsLetter(r) {
			run = 0
			continue
		}
		letters++
		if r != first {
			repeat = false
		}
		if strings.ContainsRune("aeiouyаеёиоуыэюя", r) {
			vowels++
			run = 0
		} else {
			run++
			maxRun = max(maxRun, run)
		}
	}
	switch {
	case letters == 0:
		return len(w) < 3 // a lone number is not a task
	case repeat && letters >= 3:
		return true // "aaaa"
	case vowels == 0 && letters >= 3:
		return true // "sdfg", "xkcd"
	case maxRun >= 5:
		return true
	}
	return false
}

var (
	// noneLeadWords open a constraints field that says there are none.
	noneLeadWords = newWords("none", "no constraints", "no restrictions", "doesn't matter", "nothing", "нет", "никаких", "не важно", "неважно", "без ограничений")
	// nonProductionWords deny production use.
	nonProductionWords = newWords("non-production", "not in production", "not production", "no production")
	// verdictWords name a decision made about a person.
	verdictWords = newWords("approve", "approves", "reject", "rejects", "deny", "denies", "scoring", "screen", "screening", "underwrit*", "decline", "declines", "auto-decline*", "одобр*", "отказ*", "скоринг*", "отбор*", "отсев*")
	// qloraWords, fullTuneWords and loraWords name fine-tuning methods.
	qloraWords    = newWords("qlora", "4-bit lora", "4bit lora")
	fullTuneWords = newWords("full fine-tune", "full fine-tuning", "full finetune", "full finetuning", "full fine tuning", "all weights", "полное дообучение", "полный файнтюн*", "полное обучение")
	loraWords     = newWords("lora", "лора")
)
