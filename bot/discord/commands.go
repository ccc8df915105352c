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
		if arg := strings.ToLower(strings.TrimSpace(c.Arg)); arg != "" {
			arg = strings.ReplaceAll(arg, " ", "_")
			if !reCommandName.MatchString(arg) {
				b.log.Warn("slash command option left out: invalid name", "command", name, "option", c.Arg)
			} else {
				ad := strings.TrimSpace(c.ArgDescription)
				if ad == "" {
					ad = c.Arg
				}
				ac.Options = append(ac.Options, &discordgo.ApplicationCommandOption{
					Type:        discordgo.ApplicationCommandOptionString,
					Name:        arg,
					Description: truncate(ad, 100),
					Required:    false,
				})
			}
		}
		out = append(out, ac)
	}
	return out
}
