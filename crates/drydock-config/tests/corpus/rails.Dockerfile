FROM ruby:3.2

RUN curl -sL https://deb.nodesource.com/setup_18.x | bash - \
 && apt-get install -y nodejs
RUN apt-get update -qq && apt-get install -y postgresql-client

WORKDIR /myapp
COPY Gemfile /myapp/Gemfile
COPY Gemfile.lock /myapp/Gemfile.lock
RUN gem install bundler
RUN bundle install
COPY . /myapp

ARG RAILS_MASTER_KEY
ENV RAILS_ENV=production
RUN bundle exec rake assets:precompile

EXPOSE 3000
CMD ["rails", "server", "-b", "0.0.0.0"]
