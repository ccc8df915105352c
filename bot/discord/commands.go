package discord

import (
	"regexp"
	"strings"

	"github.com/bwmarrin/discordgo"

	"tutorbot/bot"
)

var reCommandName = regexp.MustCompile(`^[-_\p{Ll}\p{N}]{1,32}$`)

// applicationCommands turns the tutor's commands into slash commands: each
// with a description and its one optional string option. Commands whose
// names Discord would reject are left out (and logged).
func (b *Bot) applicationCommands(cmds []bot.Command) []*discordgo.ApplicationCommand {
	out := make([]*discordgo.ApplicationCommand, 0, len(cmds))
	seen := map[string]bool{}
	for _, c := range cmds {
		name := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(c.Name), "/"))
		if !reCommandName.MatchString(name) || seen[name] {
			b.log.Warn("slash command left out: invalid or duplicate name", "name", c.Name)
			continue
		}
		seen[name] = true
		desc := strings.TrimSpace(c.Description)
		if desc == "" {
			desc = "/" + name
		}
		ac := &discordgo.ApplicationCommand{
			Type:        discordgo.ChatApplicationCommand,
			Name:        name,
			Description: truncate(desc, 100),
			Options:     []*discordgo.ApplicationCommandOption{},
		}
		names, descs, argDescs := b.localizations(c)
		if len(names) > 0 {
			ac.NameLocalizations = &names
		}
		if len(descs) > 0 {
			ac.DescriptionLocalizations = &descs
		}
		if arg := strings.ToLower(strings.TrimSpace(c.Arg)); arg != "" {
			arg = strings.ReplaceAll(arg, " ", "_")
			if !reCommandName.MatchString(arg) {
				b.log.Warn("slash command option left out: invalid name", "command", name, "option", c.Arg)
			} else {
				ad := strings.TrimSpace(c.ArgDescription)
				if ad == "" {
					ad = c.Arg
				}
				opt := &discordgo.ApplicationCommandOption{
					Type:        discordgo.ApplicationCommandOptionString,
					Name:        arg,
					Description: truncate(ad, 100),
					Required:    false,
				}
				if len(argDescs) > 0 {
					opt.DescriptionLocalizations = argDescs
				}
				ac.Options = append(ac.Options, opt)
			}
		}
		out = append(out, ac)
	}
	return out
}

// localizations are a command's name, description and option
// description in the other languages the tutor speaks, by Discord locale.
// A language Discord has no locale for, or a name Discord would reject, is
// left out (and logged).
func (b *Bot) localizations(c bot.Command) (names, descs, argDescs map[discordgo.Locale]string) {
	names, descs, argDescs = map[discordgo.Locale]string{}, map[discordgo.Locale]string{}, map[discordgo.Locale]string{}
	for lang, tr := range c.Translations {
		loc := discordgo.Locale(lang)
		if _, ok := discordgo.Locales[loc]; !ok {
			b.log.Warn("slash command translation left out: no such Discord locale", "command", c.Name, "lang", lang)
			continue
		}
		if n := strings.ToLower(strings.TrimSpace(tr.Name)); n != "" {
			if reCommandName.MatchString(n) {
				names[loc] = n
			} else {
				b.log.Warn("slash command name translation left out: invalid name", "command", c.Name, "lang", lang)
			}
		}
		if d := strings.TrimSpace(tr.Description); d != "" {
			descs[loc] = truncate(d, 100)
		}
		if d := strings.TrimSpace(tr.ArgDescription); d != "" {
			argDescs[loc] = truncate(d, 100)
		}
	}
	return names, descs, argDescs
}
