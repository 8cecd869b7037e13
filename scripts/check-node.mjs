// Runs first in `npm start` / `npm run bench`: one clear line instead of a stack trace on an old Node.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(
    `channel-hub needs Node >= 22.18 (this is ${process.version}). Run \`npm install\` (it installs Node 22 into node_modules/.bin for npm scripts) or install Node 22 yourself.`,
  );
  process.exit(1);
}
