/**
 * Child process of wallet_file_test.ts's kill -9 test: rewrites the wallet file at
 * Deno.args[0] in a loop, alternating between the texts in Deno.args[1] and Deno.args[2],
 * through the same atomic write every wallet write uses. Prints "ready" after the first one.
 * @module
 */
import { writeWalletText } from "../../lib/wallet/wallet_file.ts";

const [path, a, b] = Deno.args;
const texts = [await Deno.readTextFile(a), await Deno.readTextFile(b)];
await writeWalletText(path, texts[0]);
console.log("ready");
for (let i = 1;; i++) await writeWalletText(path, texts[i % 2]);
