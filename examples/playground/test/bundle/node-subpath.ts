// A control: the Node subpath does import `node:` modules, and the check must notice.
export * from '@cabi/kernel/node';
