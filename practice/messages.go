package practice

import "fmt"

// msg identifies a learner-facing text of the recommender. The texts live
// in one table, English and Russian side by side, so that each reads as
// written in its language rather than translated word for word.
type msg string

// messages holds every learner-facing text of the package: [en, ru].
// Placeholders are fmt verbs; both languages take the same ones in the
// same order (TestMessages checks it).
var messages = map[msg][2]string{
	// Questions.
	"q.task": {
		"What should the model do? Describe the task in a sentence (for example: “review Python code”, “answer support emails in Russian”, “read scanned invoices”).",
		"Что должна делать модель? Опишите задачу одной фразой (например: «ревью кода на Python», «ответы клиентам на русском», «распознавание сканов счетов»).",
	},
	"q.where": {
		"Where will you run it: locally on your own machine, through an API, or on a rented GPU in the cloud?",
		"Где будете запускать модель: локально на своём компьютере, через API или на арендованном GPU в облаке?",
	},
	"q.memory": {
		"How much GPU memory do you have? A number (“12 GB”), a card (“RTX 3060”, “2× RTX 3090”), “no GPU, 16 GB RAM”, “Mac M2 with 32 GB” or “phone with 8 GB”.",
		"Сколько памяти у вашей видеокарты? Число («12 GB»), модель карты («RTX 3060», «2× RTX 3090»), «нет GPU, 16 GB RAM», «Mac M2, 32 GB» или «телефон, 8 GB».",
	},
	"q.constraints": {
		"Any constraints? Commercial use and how many users, privacy (data must stay local), languages, excluded vendors or countries, license — or “none”.",
		"Есть ограничения? Коммерческое использование и сколько пользователей, приватность (данные только локально), языки, запрещённые вендоры или страны, лицензия — или «нет».",
	},
	"err.task.placeholder": {
		"Please describe the task in a few words, for example “summarise meeting notes”.",
		"Опишите задачу парой слов, например «краткие выжимки из протоколов встреч».",
	},
	"err.where.placeholder": {"Please choose one: locally, API or cloud.", "Выберите один вариант: локально, API или облако."},
	"err.memory.placeholder": {
		"Please give the GPU memory in GB (e.g. 12 GB), a card (RTX 3060), “no GPU, 16 GB RAM” or “Mac M2 with 32 GB”.",
		"Укажите память видеокарты в ГБ (например, 12 GB), модель карты (RTX 3060), «нет GPU, 16 GB RAM» или «Mac M2, 32 GB».",
	},
	"err.constraints.placeholder": {"Please list any constraints, or say “none”.", "Перечислите ограничения или напишите «нет»."},
	"err.task.short": {
		"That is too short to tell what the model should do: describe the task in a few words.",
		"По такому короткому ответу не понять, что должна делать модель: опишите задачу парой слов.",
	},
	"issue.task.short": {"The task is too short to tell what the model should do.", "Задача слишком короткая: непонятно, что должна делать модель."},
	"issue.task.nonsense": {
		"I couldn't make out a task in “%s”.",
		"Не могу понять задачу в «%s».",
	},
	"where.pick_one":   {"Please pick one of locally, API or cloud.", "Выберите что-то одно: локально, API или облако."},
	"where.unknown":    {"I couldn't tell where you run it: say locally, API or cloud.", "Не понял, где вы запускаете модель: локально, через API или в облаке?"},
	"mem.too_much":     {"That is more memory than any machine has: please give the GPU memory in GB, for example 24 GB.", "Столько памяти не бывает ни у одной машины: укажите память GPU в ГБ, например 24 GB."},
	"mem.bad_number":   {"I couldn't read that number: please give the memory in GB, for example 24 GB.", "Не получилось прочитать число: укажите память в ГБ, например 24 GB."},
	"mem.mac_size":     {"How much memory does the Mac have? For example “Mac M2 with 16 GB”.", "Сколько памяти у вашего Mac? Например, «Mac M2, 16 GB»."},
	"mem.phone_size":   {"How much memory does the phone have? For example “phone with 8 GB”.", "Сколько памяти у телефона? Например, «телефон, 8 GB»."},
	"mem.ram_negative": {"Memory can't be negative: how much RAM does the computer have, in GB?", "Память не бывает отрицательной: сколько ГБ оперативной памяти у компьютера?"},
	"mem.unreadable": {
		"I couldn't read a memory size from that. Give it in GB (“12 GB”), name the card (“RTX 3060”), or say “no GPU, 16 GB RAM” or “Mac M2 with 32 GB”.",
		"Не получилось понять объём памяти. Укажите его в ГБ («12 GB»), назовите видеокарту («RTX 3060») или напишите «нет GPU, 16 GB RAM» или «Mac M2, 32 GB».",
	},
	"mem.negative": {"Memory can't be negative: how much GPU memory do you have, in GB?", "Память не бывает отрицательной: сколько ГБ памяти у вашей видеокарты?"},
	"mem.zero":     {"Zero GB? If there is no GPU, say “no GPU” and how much RAM the computer has.", "Ноль ГБ? Если видеокарты нет, напишите «нет GPU» и сколько у компьютера оперативной памяти."},
	"mem.tiny":     {"That is less memory than any model needs: please check the figure (in GB).", "Этого меньше, чем нужно любой модели: проверьте, пожалуйста, число (в ГБ)."},
	"mem.unknown_card": {
		"I don't know the card “%s”. How much memory does it have, in GB (for example “%s, 16 GB”)?",
		"Я не знаю видеокарту «%s». Сколько у неё памяти в ГБ (например, «%s, 16 GB»)?",
	},
	"mem.missing_local": {
		"You run it locally, so I need to know your memory to size the picks.",
		"Вы запускаете модель локально, поэтому мне нужен объём памяти, чтобы подобрать размер.",
	},
	"ask.intro": {"Before I recommend anything I need to know:", "Прежде чем что-то советовать, мне нужно знать:"},

	// The answer.
	"title.top":      {"Top pick", "Лучший вариант"},
	"title.alt":      {"Alternative %d", "Альтернатива %d"},
	"title.smallest": {"Smallest option %d", "Самый маленький вариант %d"},
	"runs":           {"Runs", "Где работает"},
	"license":        {"License", "Лицензия"},
	"keep_in_mind":   {"Keep in mind", "Учтите"},
	"nothing_matches": {
		"**No model in the catalog matches all of your constraints.**",
		"**Ни одна модель каталога не подходит под все ваши ограничения.**",
	},
	"relax": {
		"Try relaxing one (for example the license filter, the excluded origins or the context length) and send the template again.",
		"Попробуйте ослабить одно из условий (например, лицензию, запрет на происхождение или длину контекста) и отправьте шаблон снова.",
	},
	"runs.api":            {"API (e.g. OpenRouter)", "API (например, OpenRouter)"},
	"runs.api_deepseek":   {"API (DeepSeek platform or OpenRouter)", "API (платформа DeepSeek или OpenRouter)"},
	"runs.api_eu":         {"API from an EU-hosted provider", "API у провайдера с серверами в ЕС"},
	"runs.api_mistral_eu": {"API (Mistral's EU-hosted platform or an EU provider)", "API (платформа Mistral в ЕС или провайдер в ЕС)"},
	"runs.cloud_class":    {"cloud: %s", "облако: %s"},
	"runs.cloud_gpu":      {"cloud GPU (%s GiB)", "облачный GPU (%s GiB)"},
	"runs.offload":        {"GPU + CPU offload (slow)", "GPU + выгрузка на CPU (медленно)"},
	"runs.mac":            {"Mac: the GPU may use %s of its %s GiB", "Mac: GPU может занять %s из %s GiB"},
	"runs.cpu":            {"CPU, from RAM", "CPU, в оперативной памяти"},
	"runs.phone":          {"on the phone", "на телефоне"},
	"runs.gpu":            {"your GPU (%s GiB)", "ваш GPU (%s GiB)"},
	"runs.card":           {"your %s", "ваша %s"},
	"runs.cards":          {"your %d× %s (%s GiB in all)", "ваши %d× %s (всего %s GiB)"},
	"runs.memory":         {"%s, %s, about %s GiB", "%s, %s, около %s GiB"},
	"runs.offload_only":   {" (only with CPU offload: slow)", " (только с выгрузкой на CPU: медленно)"},
	"runs.no_fit":         {" (does not fit)", " (не помещается)"},
	"runs.finetune":       {"%s fine-tuning on %s, about %s GiB", "дообучение %s на %s, около %s GiB"},
	"commercial.yes":      {" (commercial use allowed)", " (коммерческое использование разрешено)"},
	"commercial.cond":     {" (commercial use allowed with conditions)", " (коммерческое использование — с условиями)"},
	"commercial.no":       {" (non-commercial only)", " (только некоммерческое использование)"},

	// Reasons.
	"why.strong":         {"Strong at %s, which your task needs", "Сильна в том, что нужно задаче: %s"},
	"why.good":           {"Good at %s", "Сильные стороны: %s"},
	"why.api":            {"Served by API providers, so nothing to install", "Доступна у API-провайдеров: ничего не нужно устанавливать"},
	"why.api_moe":        {"Served by API providers; only %sB of %sB parameters are active per token, which keeps prices down", "Доступна у API-провайдеров; на токен активны только %sB из %sB параметров, поэтому дешевле"},
	"why.api_deepseek":   {"DeepSeek's own API is known for low prices; also on OpenRouter", "У DeepSeek одно из самых дешёвых собственных API; модель есть и на OpenRouter"},
	"why.no_fit":         {"Needs about %s GiB at %s with %s of context: more than you have", "Нужно около %s GiB в %s с контекстом %s — больше, чем у вас есть"},
	"why.memory":         {"%s needs about %s GiB with %s of context (weights %s + KV cache %s + runtime %s)", "%s займёт около %s GiB с контекстом %s (веса %s + KV-кэш %s + среда %s)"},
	"why.memory_vision":  {"%s needs about %s GiB with %s of context (weights %s + vision encoder %s + KV cache %s + runtime %s)", "%s займёт около %s GiB с контекстом %s (веса %s + визуальный энкодер %s + KV-кэш %s + среда %s)"},
	"why.kv_approx":      {"; the KV figure is approximate", "; оценка KV-кэша приблизительная"},
	"why.moe":            {"Mixture of experts: %sB active per token makes it fast, but all %sB parameters must be in memory", "Смесь экспертов (MoE): на токен активны %sB — это быстро, но в памяти должны быть все %sB параметров"},
	"why.context":        {"Context: up to %s tokens; your task needs about %s", "Контекст: до %s токенов; задаче нужно около %s"},
	"why.long":           {"Long context: %s tokens (the KV cache grows with it)", "Длинный контекст: %s токенов (KV-кэш растёт вместе с ним)"},
	"why.ollama":         {"Try it: ollama run %s", "Попробовать: ollama run %s"},
	"why.secondary":      {"Some catalog figures for it come from secondary sources", "Часть данных каталога о ней взята из вторичных источников"},
	"why.allowed":        {"Allowed here: %s", "Подходит по лицензии: %s"},
	"why.left_out":       {"; left out: %s", "; исключены: %s"},
	"why.derivative":     {"Built on %s, so it also carries that license", "Построена на %s, поэтому действует и эта лицензия"},
	"why.cost":           {"About $%s a month for your volume (%s in + %s out per month at $%s/$%s per million tokens, %s, read %s)", "Около $%s в месяц на ваш объём (%s входных + %s выходных токенов в месяц по $%s/$%s за миллион, %s, цены на %s)"},
	"why.price":          {"Price: $%s per million input and $%s per million output tokens (%s, read %s)", "Цена: $%s за миллион входных и $%s за миллион выходных токенов (%s, на %s)"},
	"why.cheap_bulk":     {"Small and cheap: simple bulk work like this doesn't need a large or reasoning model", "Маленькая и дешёвая: для простой массовой работы большая или рассуждающая модель не нужна"},
	"why.finetune":       {"%s: about %s GiB to fine-tune, fits your %s GiB", "%s: около %s GiB для дообучения, помещается в ваши %s GiB"},
	"why.finetune_serve": {"After training, serving it at %s takes about %s GiB", "После обучения для работы в %s понадобится около %s GiB"},

	"warn.q3":      {"Q3_K_M loses noticeable quality (+10.5% perplexity on Llama-3-8B); a smaller model at Q4_K_M may do better", "Q3_K_M заметно теряет в качестве (+10,5% перплексии на Llama-3-8B); меньшая модель в Q4_K_M может оказаться лучше"},
	"warn.q2":      {"Q2_K loses a lot of quality (+56% perplexity on Llama-3-8B); prefer a smaller model", "Q2_K сильно теряет в качестве (+56% перплексии на Llama-3-8B); лучше взять модель поменьше"},
	"warn.offload": {"only fits with part of it in system RAM on the CPU: expect a crawl", "помещается, только если часть модели уйдёт в оперативную память на CPU: будет очень медленно"},
	"warn.tight":   {"fills %d%% of the memory: little room left for a longer context or a second request", "занимает %d%% памяти: почти не остаётся места для длинного контекста или второго запроса"},

	"strength.code":         {"code", "код"},
	"strength.math":         {"math", "математика"},
	"strength.reasoning":    {"reasoning", "рассуждения"},
	"strength.multilingual": {"many languages", "многоязычность"},
	"strength.vision":       {"images", "изображения"},
	"strength.small":        {"small size", "компактность"},
	"strength.long-context": {"long context", "длинный контекст"},
	"strength.general":      {"general tasks", "общие задачи"},
	"strength.agents":       {"agents and tool use", "агенты и вызов инструментов"},
	"strength.audio":        {"audio", "звук"},

	// Left-out reasons (short, for "left out: …").
	"out.users":                  {"%s (license line at %s monthly users; you have %s)", "%s (порог лицензии — %s пользователей в месяц, у вас %s)"},
	"out.commercial":             {"%s (non-commercial license)", "%s (некоммерческая лицензия)"},
	"out.production":             {"%s (not for production use)", "%s (не для продакшна)"},
	"out.domain":                 {"%s (its use policy forbids %s)", "%s (политика использования запрещает: %s)"},
	"out.eu":                     {"%s (multimodal rights withheld from EU companies)", "%s (мультимодальные права не выдаются компаниям из ЕС)"},
	"out.origin":                 {"%s (origin: %s)", "%s (происхождение: %s)"},
	"out.vendor":                 {"%s (excluded by you)", "%s (исключены вами)"},
	"out.permissive":             {"%s (not Apache-2.0/MIT)", "%s (не Apache-2.0/MIT)"},
	"out.context_n":              {"%d models whose context is shorter than %s", "модели с контекстом короче %[2]s: %[1]d шт."},
	"out.residency":              {"%s's own API (it keeps data in %s)", "собственный API %s (хранит данные: %s)"},
	"out.context":                {"%s (context shorter than %s)", "%s (контекст короче %s)"},
	"domain.military":            {"military use", "военное применение"},
	"domain.automated-decisions": {"automated decisions on people's rights", "автоматические решения о правах людей"},
	"domain.sexual-content":      {"sexually explicit content", "откровенно сексуальный контент"},

	// Notes.
	"note.assumed_api": {
		"You didn't say where you run it, so these are API picks: the quickest way to try models (OpenRouter). Tell me your GPU memory to get local picks.",
		"Вы не сказали, где будете запускать модель, поэтому это варианты для API — самый быстрый способ попробовать (OpenRouter). Напишите объём памяти GPU, и я подберу локальные.",
	},
	"note.assumed_local": {"You gave your hardware but not where you run it, so I sized the picks for running them on it.", "Вы указали железо, но не сказали, где запускаете, поэтому я подобрал модели под это железо."},
	"note.assumed_ram":   {"You didn't give the RAM size, so I assumed %d GB.", "Вы не указали объём оперативной памяти, поэтому я исходил из %d GB."},
	"note.nothing_fits_cloud": {
		"Nothing fits that GPU. The options below are the smallest; rent a bigger GPU class or use an API.",
		"На этот GPU ничего не помещается. Ниже — самые маленькие варианты; возьмите GPU побольше или используйте API.",
	},
	"note.nothing_fits": {
		"Nothing that meets your constraints fits that memory, even at Q4_K_M. What would: %s",
		"Ничего из подходящего по условиям не помещается в эту память даже в Q4_K_M. Что поможет: %s",
	},
	"note.would_fit": {"a smaller quantization of the options below, more memory (%s), or an API (no local memory at all)", "более сильное квантование вариантов ниже, больше памяти (%s) или API (локальная память не нужна)"},
	"note.small_gpu": {
		"Don't run a huge model on a small GPU: once layers spill to the CPU it crawls. A smaller model that fits is usually the better choice.",
		"Не запускайте огромную модель на маленьком GPU: когда слои уходят на CPU, всё ползёт. Меньшая модель, которая помещается целиком, обычно лучше.",
	},
	"note.quant": {
		"Q4/Q5 quantizations save a lot of memory at little loss: on Llama-3-8B, Q5_K_M adds 0.9% perplexity and Q4_K_M 2.8% over F16.",
		"Квантование Q4/Q5 сильно экономит память почти без потерь: на Llama-3-8B Q5_K_M добавляет 0,9% перплексии, а Q4_K_M — 2,8% относительно F16.",
	},
	"note.headroom": {
		"Sizes leave about 10% of your memory free for a longer context or a second request.",
		"Размеры подобраны так, чтобы около 10% памяти оставалось свободным — на длинный контекст или второй запрос.",
	},
	"note.left_out": {"Left out because of your case: %s.", "Исключены из-за условий вашей задачи: %s."},
	"note.privacy_api": {
		"Privacy: an API sends your data to a provider. For data that must stay local, run the open weights on your own hardware.",
		"Приватность: через API данные уходят провайдеру. Если данные должны оставаться у вас, запускайте открытые веса на своём железе.",
	},
	"note.residency_eu": {
		"EU data residency: DeepSeek's own API stores data in China, so use the open weights self-hosted or through an EU-hosted provider; Mistral's own platform is hosted in the EU.",
		"Хранение данных в ЕС: собственный API DeepSeek хранит данные в Китае, поэтому используйте открытые веса на своих серверах или у провайдера с серверами в ЕС; платформа Mistral размещена в ЕС.",
	},
	"note.residency_ru": {
		"Data must stay in Russia: run the open weights on your own servers or with a hosting provider in Russia; foreign APIs are out.",
		"Данные должны оставаться в России: запускайте открытые веса на своих серверах или у хостинг-провайдера в России; зарубежные API не подходят.",
	},
	"note.mac": {
		"On a Mac the GPU may use only part of unified memory by default (about 2/3 up to 36 GB, about 3/4 above). You can raise it, for example: sudo sysctl iogpu.wired_limit_mb=%d (resets on reboot; leave a few GB for macOS).",
		"На Mac GPU по умолчанию может занять только часть общей памяти (около 2/3 до 36 GB, около 3/4 выше). Лимит можно поднять, например: sudo sysctl iogpu.wired_limit_mb=%d (сбрасывается после перезагрузки; оставьте macOS несколько ГБ).",
	},
	"note.multi_gpu": {
		"The model is split across your %d cards (llama.cpp --tensor-split, vLLM tensor parallel); each card keeps its own CUDA context and buffers, so a little memory on each is not usable for weights.",
		"Модель делится между вашими %d картами (llama.cpp --tensor-split, tensor parallel в vLLM); у каждой карты свой CUDA-контекст и буферы, поэтому часть памяти на каждой недоступна для весов.",
	},
	"note.cpu": {
		"On a CPU every token reads all active weights from RAM, so models with more than about 8B active parameters are too slow for interactive use.",
		"На CPU каждый токен читает из памяти все активные веса, поэтому модели больше ~8B активных параметров слишком медленные для диалога.",
	},
	"note.phone": {
		"A phone gives one app only a few GB: 1–4B models at Q4 run there (Gemma 3n, Llama 3.2 1B/3B, Qwen3 1.7B/4B, Phi-4-mini).",
		"Телефон отдаёт одному приложению лишь несколько ГБ: там работают модели на 1–4B в Q4 (Gemma 3n, Llama 3.2 1B/3B, Qwen3 1.7B/4B, Phi-4-mini).",
	},
	"note.context": {
		"Sized for %s tokens of context%s; models whose maximum context is shorter were left out.",
		"Размеры рассчитаны на контекст %s токенов%s; модели с меньшим максимальным контекстом исключены.",
	},
	"note.context_pages": {" (%s pages at about 400 tokens a page)", " (%s стр. — около 400 токенов на страницу)"},
	"note.finetune": {
		"Fine-tuning needs more memory than running: weights, adapters, gradients and optimizer states. QLoRA (4-bit base + LoRA adapters) needs the least: about 6 GB for 8B, 8.5 GB for 14B, 22 GB for 27B (Unsloth); full fine-tuning needs about 16 bytes per parameter.",
		"Дообучению нужно больше памяти, чем запуску: веса, адаптеры, градиенты и состояния оптимизатора. Меньше всего нужно QLoRA (4-битная база + LoRA-адаптеры): около 6 GB для 8B, 8,5 GB для 14B, 22 GB для 27B (Unsloth); полное дообучение — около 16 байт на параметр.",
	},
	"note.finetune_data": {
		"%s examples is a good size for LoRA/QLoRA: start with a few epochs and hold out a test set.",
		"%s примеров — хороший объём для LoRA/QLoRA: начните с нескольких эпох и отложите тестовую выборку.",
	},
	"note.cost_assumed": {
		"Cost assumes %s input and %s output tokens per item; tell me your real sizes for a better figure.",
		"Стоимость посчитана из %s входных и %s выходных токенов на элемент; назовите реальные размеры — посчитаю точнее.",
	},
	"note.cost_missing": {"No price is on file for %s; check the provider's page.", "Цены на %s в каталоге нет; посмотрите на странице провайдера."},
	"note.budget_over":  {"The cheapest pick costs about $%s a month, over your $%s budget: shorten the inputs or batch them.", "Самый дешёвый вариант стоит около $%s в месяц — больше вашего бюджета $%s: сократите входные данные или объединяйте запросы."},
	"note.bulk": {
		"For bulk, simple work (classification, extraction) the cheapest adequate small model wins by one or two orders of magnitude; a long-thinking reasoning model is the wrong choice.",
		"Для массовой простой работы (классификация, извлечение) дешёвая маленькая модель выигрывает в цене на один-два порядка; рассуждающая модель тут — неверный выбор.",
	},
	"note.lic.Llama": {
		"Llama: over 700M monthly users needs Meta's permission, and derivatives must say “Built with Llama” and start their name with “Llama”",
		"Llama: при аудитории больше 700 млн в месяц нужно разрешение Meta, а производные модели должны нести пометку «Built with Llama» и начинаться с «Llama»",
	},
	"note.lic.Gemma": {
		"Gemma: Google's Gemma Terms of Use and its prohibited-use policy apply to you and your users",
		"Gemma: условия Gemma Terms of Use и политика запрещённого использования Google распространяются на вас и ваших пользователей",
	},
	"note.lic.Qwen": {
		"Qwen: the Qwen License (72B) needs Alibaba's permission above 100M monthly users; most other sizes are Apache-2.0",
		"Qwen: лицензия Qwen License (72B) требует разрешения Alibaba при аудитории больше 100 млн в месяц; большинство других размеров — Apache-2.0",
	},
	"note.lic.Mistral": {
		"Mistral: MNPL and MRL weights are for non-production or research use only",
		"Mistral: веса под MNPL и MRL — только для непродакшн-использования или исследований",
	},
	"note.licenses": {"Licenses carry restrictions. %s.", "У лицензий есть ограничения. %s."},
	"test_reminder": {
		"Don't trust benchmarks as the final truth: run a few of your own tasks on the top pick and an alternative (OpenRouter or Ollama make this quick) before you choose, and keep those tasks as your reference set for re-testing.",
		"Не считайте бенчмарки истиной в последней инстанции: прежде чем выбрать, прогоните несколько своих задач на лучшем варианте и на альтернативе (через OpenRouter или Ollama это быстро) и сохраните эти задачи как эталонный набор для повторных проверок.",
	},
	"ft.full":       {"full fine-tuning", "полное дообучение"},
	"catalog.empty": {"The model catalog is empty, so there is nothing to recommend.", "Каталог моделей пуст, рекомендовать нечего."},
}

// tr returns message id in lang ("ru" or English), formatted with args.
func tr(lang string, id msg, args ...any) string {
	pair, ok := messages[id]
	if !ok {
		return string(id)
	}
	s := pair[0]
	if lang == "ru" && pair[1] != "" {
		s = pair[1]
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}
