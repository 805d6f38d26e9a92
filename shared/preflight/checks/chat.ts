import { channelTargets } from '../targets';
import { reasonOf, type Check } from '../types';

/**
 * Slack: the bot token works (auth.test), and every channel the window posts to exists, is not
 * archived and has the bot in it (conversations.list's `is_member`); a post there would otherwise
 * fail with channel_not_found or not_in_channel in the middle of the night.
 */
export const checkChat: Check = async (ctx, out) => {
  const channels = channelTargets(ctx.window);
  if (channels.length === 0) return;
  out.count('credentials');
  try {
    await ctx.ports.chat.whoAmI();
  } catch (e) {
    out.error('credentials', channels[0]!.fields[0]!, `the Slack bot token is refused: ${reasonOf(e)}`);
    return;
  }
  for (const { channel, fields } of channels) {
    out.count('chat');
    const also = fields.length > 1 ? ` (also named at ${fields.slice(1).join(', ')})` : '';
    try {
      const found = await ctx.ports.chat.describeChannel(channel);
      if (!found) out.error('chat', fields[0]!, `Slack channel ${channel} does not exist or the bot cannot see it${also}`);
      else if (found.archived) out.error('chat', fields[0]!, `Slack channel ${channel} is archived${also}`);
      else if (!found.isMember) out.error('chat', fields[0]!, `the bot is not a member of ${channel}: invite it (/invite) or its posts fail with not_in_channel${also}`);
    } catch (e) {
      out.error('chat', fields[0]!, `cannot look up Slack channel ${channel}: ${reasonOf(e)}`);
    }
  }
};
